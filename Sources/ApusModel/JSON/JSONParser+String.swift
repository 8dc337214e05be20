// JSON strings: the hottest part of parsing event payloads (keys and most values are strings).
// Plain ASCII runs are skipped eight bytes at a time; a string without escapes becomes a
// `String` straight from the input bytes, one with escapes is rebuilt in a reusable scratch
// buffer. Non-ASCII bytes are checked against the strict UTF-8 table (no overlongs, no
// encoded surrogates, nothing above U+10FFFF) so the error can name the exact offset.

extension JSONParser {
    /// Parses the string whose opening quote is at `offset`; leaves `offset` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        if let range = try scanString() {
            lastStringWasEscaped = false
            return String(checkedUTF8: UnsafeBufferPointer(rebasing: input[range]))
        }
        lastStringWasEscaped = true
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Reads the string whose opening quote is at `offset` without building a `String`: the
    /// range of its bytes in the input when it holds no escapes (then `escaped` is untouched),
    /// else nil with its decoded bytes appended to `escaped`. Leaves `offset` after the closing
    /// quote. The same checks as for any string (UTF-8, control characters, escapes) apply.
    @inlinable public mutating func readString(escapedInto escaped: inout [UInt8]) throws(JSONParseError) -> Range<Int>? {
        if let range = try scanString() { return range }
        escaped.append(contentsOf: scratch)
        return nil
    }

    /// Checks the string whose opening quote is at `offset` and leaves `offset` after it: the
    /// range of its bytes when it holds no escapes, else nil with its decoded bytes in `scratch`.
    @inlinable
    mutating func scanString() throws(JSONParseError) -> Range<Int>? {
        let n = input.count
        let start = position + 1
        var i = start
        while true {
            i = skipPlainASCII(from: i)
            guard i < n else {
                throw error(.unexpectedEnd, "a string is not terminated; close it with '\"'", at: n)
            }
            let b = input[i]
            if b == .quote {
                position = i + 1
                return start ..< i
            }
            if b == .backslash {
                try decodeEscapedString(start: start, firstEscape: i)
                return nil
            }
            if b < 0x20 {
                throw controlCharacterError(at: i)
            }
            if b < 0x80 {
                i += 1
            } else {
                i = try validateUTF8Sequence(at: i)
            }
        }
    }

    /// The index of the first byte at or after `i` that is a quote, a backslash, a control
    /// character or non-ASCII (or the end).
    @inlinable @inline(__always)
    func skipPlainASCII(from start: Int) -> Int {
        var i = start
        let n = input.count
        if let base = input.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                let quoteX = v ^ (ones &* UInt64(UInt8.quote))
                let slashX = v ^ (ones &* UInt64(UInt8.backslash))
                let special = ((quoteX &- ones) & ~quoteX)
                    | ((slashX &- ones) & ~slashX)
                    | ((v &- ones &* 0x20) & ~v)
                    | v
                let found = special & highs
                if found != 0 {
                    // The lowest flagged byte is exact (a borrow only flags bytes above a
                    // real match): most strings end inside their first word.
                    return i + found.trailingZeroBitCount >> 3
                }
                i += 8
            }
        }
        while i < n {
            let b = input[i]
            if b == .quote || b == .backslash || b < 0x20 || b >= 0x80 { break }
            i += 1
        }
        return i
    }

    /// Slow path for a string containing escapes: decodes it into `scratch`; leaves `offset`
    /// after its closing quote.
    @usableFromInline mutating func decodeEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) {
        let n = input.count
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[start ..< firstEscape]))
        var i = firstEscape
        while true {
            let runStart = i
            i = skipPlainASCII(from: i)
            if i > runStart {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart ..< i]))
            }
            guard i < n else {
                throw error(.unexpectedEnd, "a string is not terminated; close it with '\"'", at: n)
            }
            let b = input[i]
            if b == .quote {
                offset = i + 1
                return
            }
            if b == .backslash {
                i = try decodeEscape(at: i)
            } else if b < 0x20 {
                throw controlCharacterError(at: i)
            } else {
                let end = try validateUTF8Sequence(at: i)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[i ..< end]))
                i = end
            }
        }
    }

    /// Decodes the escape starting with the backslash at `i` into `scratch`; returns the next index.
    mutating func decodeEscape(at i: Int) throws(JSONParseError) -> Int {
        guard i + 1 < input.count else {
            throw error(.unexpectedEnd, "a string ends inside an escape sequence", at: input.count)
        }
        let decoded: UInt8
        switch input[i + 1] {
        case .quote: decoded = .quote
        case .backslash: decoded = .backslash
        case .slash: decoded = .slash
        case 0x62: decoded = 0x08 // b
        case 0x66: decoded = 0x0C // f
        case 0x6E: decoded = 0x0A // n
        case 0x72: decoded = 0x0D // r
        case 0x74: decoded = 0x09 // t
        case 0x75: return try decodeUnicodeEscape(at: i) // u
        default:
            throw error(.invalidEscape,
                        "invalid escape in a string; use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: i)
        }
        scratch.append(decoded)
        return i + 2
    }

    /// Decodes `\uXXXX` (and a following low surrogate) at `i`; lone surrogates become U+FFFD.
    mutating func decodeUnicodeEscape(at i: Int) throws(JSONParseError) -> Int {
        let high = try hex4(at: i + 2, escapeAt: i)
        var next = i + 6
        var scalar: UInt32 = high
        if high >= 0xD800 && high <= 0xDBFF {
            if next + 1 < input.count, input[next] == .backslash, input[next + 1] == 0x75 {
                let low = try hex4(at: next + 2, escapeAt: next)
                if low >= 0xDC00 && low <= 0xDFFF {
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    next += 6
                } else {
                    scalar = 0xFFFD // the next escape is decoded on its own
                }
            } else {
                scalar = 0xFFFD
            }
        } else if high >= 0xDC00 && high <= 0xDFFF {
            scalar = 0xFFFD
        }
        appendUTF8(scalar)
        return next
    }

    func hex4(at position: Int, escapeAt: Int) throws(JSONParseError) -> UInt32 {
        guard position + 4 <= input.count else {
            throw error(.unexpectedEnd, "a string ends inside a \\u escape; write four hex digits", at: input.count)
        }
        var value: UInt32 = 0
        for k in 0 ..< 4 {
            let c = input[position + k]
            let digit: UInt32
            switch c {
            case 0x30 ... 0x39: digit = UInt32(c - 0x30)
            case 0x41 ... 0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61 ... 0x66: digit = UInt32(c - 0x61 + 10)
            default:
                throw error(.invalidEscape, "\\u must be followed by four hex digits", at: escapeAt)
            }
            value = value << 4 | digit
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0 ..< 0x80:
            scratch.append(UInt8(scalar))
        case 0x80 ..< 0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800 ..< 0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Checks the multi-byte UTF-8 sequence starting at `i` (a byte ≥ 0x80); returns the index after it.
    @usableFromInline func validateUTF8Sequence(at i: Int) throws(JSONParseError) -> Int {
        let n = input.count
        let lead = input[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2 ... 0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1 ... 0xEC, 0xEE ... 0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1 ... 0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw invalidUTF8Error(at: i)
        }
        guard i + length <= n else { throw invalidUTF8Error(at: i) }
        let second = input[i + 1]
        guard second >= low && second <= high else { throw invalidUTF8Error(at: i) }
        for k in 2 ..< length {
            guard input[i + k] & 0xC0 == 0x80 else { throw invalidUTF8Error(at: i) }
        }
        return i + length
    }

    func invalidUTF8Error(at i: Int) -> JSONParseError {
        error(.invalidUTF8, "a string holds bytes that are not valid UTF-8; send text encoded as UTF-8", at: i)
    }

    @usableFromInline func controlCharacterError(at i: Int) -> JSONParseError {
        let code = String(input[i], radix: 16, uppercase: true)
        let padded = code.count == 1 ? "0" + code : code
        return error(.controlCharacter,
                     "a string holds a raw control character (0x\(padded)); escape it, e.g. as \\n or \\u00\(padded)",
                     at: i)
    }
}
