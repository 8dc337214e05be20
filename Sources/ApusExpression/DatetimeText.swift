// Dates and times as text, without Foundation: `datetime("2025-01-01T00:00:00")` literals,
// string properties holding dates (Mixpanel treats `YYYY-MM-DDTHH:MM:SS` values as dates), and
// `string(datetime)`. All times are UTC unless the text carries an offset.

import ApusModel

/// Reading and writing ISO 8601 date-times as milliseconds since the Unix epoch.
package enum DatetimeText {
    /// 0001-01-01T00:00:00Z, the earliest datetime the language represents.
    package static let millisecondsMin: Int64 = -62_135_596_800_000
    /// 9999-12-31T23:59:59.999Z, the latest.
    package static let millisecondsMax: Int64 = 253_402_300_799_999

    static let msPerDay: Int64 = 86_400_000

    /// The instant `text` names, or nil. Accepted: `YYYY-MM-DD`, optionally followed by `T` or
    /// a space and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (1–9 fraction digits; milliseconds are
    /// kept, the rest dropped), optionally followed by `Z`, `±HH:MM` or `±HHMM` (only after a
    /// time). Nothing else: no surrounding spaces, no week dates, no leap seconds.
    package static func parse(_ text: some StringProtocol) -> Int64? {
        let s = Array(text.utf8)
        guard s.count >= 10, let date = CivilDate(parsing: String(decoding: s[0 ..< 10], as: UTF8.self)) else { return nil }
        var ms = date.daysSinceEpoch * msPerDay
        var i = 10
        guard i < s.count else { return ms }
        guard s[i] == 0x54 || s[i] == .space else { return nil } // T or space
        i += 1
        guard let hour = twoDigits(s, i), hour < 24, i + 2 < s.count, s[i + 2] == .colon,
              let minute = twoDigits(s, i + 3), minute < 60 else { return nil }
        ms += Int64(hour) * 3_600_000 + Int64(minute) * 60_000
        i += 5
        if i < s.count, s[i] == .colon {
            guard let second = twoDigits(s, i + 1), second < 60 else { return nil }
            ms += Int64(second) * 1000
            i += 3
            if i < s.count, s[i] == .dot {
                i += 1
                let start = i
                var fraction: Int64 = 0
                while i < s.count, s[i] >= .digit0, s[i] <= .digit9 {
                    if i - start < 3 { fraction = fraction * 10 + Int64(s[i] - .digit0) }
                    i += 1
                }
                guard i > start, i - start <= 9 else { return nil }
                for _ in 0 ..< max(0, 3 - (i - start)) { fraction *= 10 }
                ms += fraction
            }
        }
        guard i < s.count else { return ms }
        if s[i] == 0x5A, i + 1 == s.count { return ms } // Z
        guard s[i] == .plus || s[i] == .minus, let hours = twoDigits(s, i + 1), hours < 24 else { return nil }
        var j = i + 3
        if j < s.count, s[j] == .colon { j += 1 }
        guard let minutes = twoDigits(s, j), minutes < 60, j + 2 == s.count else { return nil }
        let offset = Int64(hours) * 3_600_000 + Int64(minutes) * 60_000
        ms += s[i] == .plus ? -offset : offset
        return (millisecondsMin ... millisecondsMax).contains(ms) ? ms : nil
    }

    /// `YYYY-MM-DDTHH:MM:SS`, with `.fff` when the milliseconds are not zero (UTC, no zone
    /// suffix, as Mixpanel writes dates); nil outside years 1–9999.
    package static func format(_ ms: Int64) -> String? {
        guard (millisecondsMin ... millisecondsMax).contains(ms) else { return nil }
        let days = ms >= 0 ? ms / msPerDay : (ms - msPerDay + 1) / msPerDay
        let inDay = ms - days * msPerDay
        let date = CivilDate(daysSinceEpoch: days)
        func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }
        var text = "\(date)T\(pad2(inDay / 3_600_000)):\(pad2(inDay / 60_000 % 60)):\(pad2(inDay / 1000 % 60))"
        let fraction = inDay % 1000
        if fraction != 0 { text += fraction < 10 ? ".00\(fraction)" : fraction < 100 ? ".0\(fraction)" : ".\(fraction)" }
        return text
    }

    /// The instant `seconds` after the epoch, rounded to the millisecond; nil when not finite
    /// or outside years 1–9999.
    package static func milliseconds(fromSeconds seconds: Double) -> Int64? {
        let ms = (seconds * 1000).rounded()
        guard ms.isFinite, ms >= Double(millisecondsMin), ms <= Double(millisecondsMax) else { return nil }
        return Int64(ms)
    }

    private static func twoDigits(_ s: [UInt8], _ i: Int) -> Int? {
        guard i + 1 < s.count, s[i] >= .digit0, s[i] <= .digit9, s[i + 1] >= .digit0, s[i + 1] <= .digit9 else { return nil }
        return Int(s[i] - .digit0) * 10 + Int(s[i + 1] - .digit0)
    }
}
