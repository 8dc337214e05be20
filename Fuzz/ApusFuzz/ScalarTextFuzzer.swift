// Target `scalars`: numbers and dates that arrive as text or as JSON scalars. The input is
// read as text (invalid UTF-8 replaced) for `DecimalText` and `CivilDate`, and its first
// bytes also as a day number and as a JSON value for `ClientTime`. Each reader is checked
// against a plain reference: digits for `DecimalText.integer`, the RFC 8259 grammar plus the
// standard library's correctly rounded `Double(_:)` for `DecimalText.number`, and a
// calendar round trip for `CivilDate`.

import ApusIngest
import ApusModel

enum ScalarTextFuzzer {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        checkInteger(text)
        checkNumber(text)
        checkDate(text)
        checkDays(bytes)
        checkClientTime(bytes, text: text)
    }

    /// Accepted exactly when 1 to 18 ASCII digits; prints back to the same digits.
    static func checkInteger(_ text: String) {
        let utf8 = Array(text.utf8)
        let allDigits = !utf8.isEmpty && utf8.allSatisfy { $0 >= .digit0 && $0 <= .digit9 }
        let value = DecimalText.integer(text)
        require((value != nil) == (allDigits && utf8.count <= DecimalText.integerDigitsMax),
                "DecimalText.integer(\(text.debugDescription)) = \(String(describing: value))")
        if let value {
            let significant = utf8.drop { $0 == .digit0 }
            let expected = significant.isEmpty ? "0" : String(decoding: significant, as: UTF8.self)
            require(String(value) == expected, "DecimalText.integer(\(text.debugDescription)) printed back as \(value)")
        }
    }

    /// Accepted exactly when a JSON number that fits a double, with the double `Double(_:)` reads.
    static func checkNumber(_ text: String) {
        let value = DecimalText.number(text)
        guard isJSONNumber(Array(text.utf8)), let reference = Double(text), reference.isFinite else {
            require(value == nil, "DecimalText.number(\(text.debugDescription)) = \(String(describing: value))")
            return
        }
        require(value?.bitPattern == reference.bitPattern,
                "DecimalText.number(\(text.debugDescription)) = \(String(describing: value)), Double(_:) says \(reference)")
    }

    /// Accepted exactly when `YYYY-MM-DD` names a real day in years 1–9999; prints back the same.
    static func checkDate(_ text: String) {
        let date = CivilDate(parsing: text)
        let utf8 = Array(text.utf8)
        var expected: (year: Int, month: Int, day: Int)?
        if utf8.count == 10, utf8[4] == .minus, utf8[7] == .minus,
           [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ utf8[$0] >= .digit0 && utf8[$0] <= .digit9 }) {
            let number = { (range: Range<Int>) in range.reduce(0) { $0 * 10 + Int(utf8[$1] - .digit0) } }
            let (y, m, d) = (number(0 ..< 4), number(5 ..< 7), number(8 ..< 10))
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            if y >= 1, (1 ... 12).contains(m), (1 ... monthDays[m - 1]).contains(d) { expected = (y, m, d) }
        }
        require((date != nil) == (expected != nil), "CivilDate(parsing: \(text.debugDescription)) = \(String(describing: date))")
        if let date, let expected {
            require(date.year == expected.year && date.month == expected.month && date.day == expected.day,
                    "CivilDate(parsing: \(text.debugDescription)) = \(date)")
            require(date.description == text, "\(text.debugDescription) prints back as \(date)")
            require(CivilDate(daysSinceEpoch: date.daysSinceEpoch) == date, "\(date) does not survive days since epoch")
        }
    }

    /// Day numbers from 0001-01-01 to 9999-12-31 map to dates and back, in order.
    static func checkDays(_ bytes: [UInt8]) {
        guard bytes.count >= 8 else { return }
        let raw = bytes[0 ..< 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let first: Int64 = -719_162, last: Int64 = 2_932_896 // 0001-01-01, 9999-12-31
        let days = first + Int64(raw % UInt64(last - first + 1))
        let date = CivilDate(daysSinceEpoch: days)
        require(date.daysSinceEpoch == days, "day \(days) → \(date) → \(date.daysSinceEpoch)")
        require(CivilDate(year: date.year, month: date.month, day: date.day) == date, "day \(days) → invalid \(date)")
        require(CivilDate(parsing: date.description) == date, "\(date) does not parse back")
        if days < last {
            require(date < CivilDate(daysSinceEpoch: days + 1), "\(date) is not before the next day")
        }
    }

    /// Times: finite non-negative numbers become whole milliseconds (seconds below 1e11);
    /// strings read as the number they hold; anything else is invalid or missing.
    static func checkClientTime(_ bytes: [UInt8], text: String) {
        require(ClientTime.read(nil) == .missing && ClientTime.read(.null) == .missing, "a missing time")
        require(ClientTime.read(.bool(true)) == .invalid, "a boolean time")
        if bytes.count >= 8 {
            let t = Double(bitPattern: bytes[0 ..< 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            checkTime(t)
            checkTime(t.magnitude.truncatingRemainder(dividingBy: 4e12)) // a plausible range, seconds or ms
        }
        let reading = ClientTime.read(.string(text))
        if let number = DecimalText.number(trimmingSpaces(text)) {
            require(reading == ClientTime.read(.number(number)), "time \(text.debugDescription) read as \(reading)")
        } else {
            require(reading == .invalid, "time \(text.debugDescription) read as \(reading)")
        }
    }

    /// `text` without leading and trailing spaces, tabs, CRs and LFs, compared as Characters
    /// the way ApusIngest's `trimmingSpaces` does (so a trailing CRLF, one Character, stays).
    static func trimmingSpaces(_ text: String) -> Substring {
        let isSpace = { (c: Character) in c == " " || c == "\t" || c == "\n" || c == "\r" }
        var s = Substring(text)
        while let c = s.first, isSpace(c) { s.removeFirst() }
        while let c = s.last, isSpace(c) { s.removeLast() }
        return s
    }

    static func checkTime(_ t: Double) {
        let reading = ClientTime.read(.number(t))
        guard t.isFinite, t >= 0 else {
            require(reading == .invalid, "time \(t) read as \(reading)")
            return
        }
        guard case .milliseconds(let ms) = reading else {
            fatalError("invariant violated: time \(t) read as \(reading)")
        }
        require(ms.isFinite && ms >= 0 && ms == ms.rounded(), "time \(t) read as \(ms) ms")
        require(t >= 1e11 ? ms == t.rounded() : ms == (t * 1000).rounded(), "time \(t) read as \(ms) ms")
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`, nothing else.
    static func isJSONNumber(_ s: [UInt8]) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < s.count, s[i] >= .digit0, s[i] <= .digit9 { i += 1 }
            return i - start
        }
        if i < s.count, s[i] == .minus { i += 1 }
        guard i < s.count else { return false }
        if s[i] == .digit0 {
            i += 1
        } else if digits() == 0 {
            return false
        }
        if i < s.count, s[i] == .dot {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < s.count, s[i] == .letterE || s[i] == .letterLowerE {
            i += 1
            if i < s.count, s[i] == .plus || s[i] == .minus { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == s.count
    }
}
