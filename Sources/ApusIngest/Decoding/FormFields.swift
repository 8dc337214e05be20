// application/x-www-form-urlencoded, as every SDK sends `data=…&verbose=1` (spec §1.1 A, B, C, E).
// The `data` value can be megabytes, so it stays bytes; every other field becomes a String.
// Malformed escapes (`%` not followed by two hex digits) are kept literally rather than refused:
// being liberal costs nothing and the JSON or base64 check that follows catches real damage.

/// The fields of a form-urlencoded text, with `data` kept apart as bytes.
struct FormFields {
    /// The first `data` field's value, percent-decoded.
    var data: [UInt8]?
    /// Every other field in order, percent-decoded (invalid UTF-8 is replaced with U+FFFD).
    var fields: [(name: String, value: String)] = []

    /// Parses `name=value&name=value`. Empty segments are skipped; a name without `=` has an empty value.
    init(parsing bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        let n = bytes.count
        while start <= n {
            var end = start
            while end < n, bytes[end] != .ampersand { end += 1 }
            if end > start {
                add(UnsafeBufferPointer(rebasing: bytes[start ..< end]))
            }
            start = end + 1
        }
    }

    /// Parses a query string.
    init(parsing query: String) {
        var bytes = Array(query.utf8)
        if bytes.first == .questionMark { bytes.removeFirst() }
        self = bytes.withUnsafeBufferPointer { FormFields(parsing: $0) }
    }

    private mutating func add(_ pair: UnsafeBufferPointer<UInt8>) {
        var equals = 0
        while equals < pair.count, pair[equals] != .equals { equals += 1 }
        let name = PercentDecoding.decode(UnsafeBufferPointer(rebasing: pair[0 ..< equals]))
        let valueStart = min(equals + 1, pair.count)
        let rawValue = UnsafeBufferPointer(rebasing: pair[valueStart...])
        if name.elementsEqual("data".utf8) {
            if data == nil { data = PercentDecoding.decode(rawValue) }
            return
        }
        fields.append((
            String(decoding: name, as: UTF8.self),
            String(decoding: PercentDecoding.decode(rawValue), as: UTF8.self)
        ))
    }
}

/// Form-style percent decoding: `+` is a space, `%XX` a byte.
enum PercentDecoding {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var needsWork = false
        for b in bytes where b == .percent || b == .plus {
            needsWork = true
            break
        }
        guard needsWork else { return Array(bytes) }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            var i = 0
            var o = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b == .plus {
                    out[o] = .space
                    i += 1
                } else if b == .percent, i + 2 < n, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                    out[o] = hi << 4 | lo
                    i += 3
                } else {
                    out[o] = b
                    i += 1
                }
                o += 1
            }
            initialized = o
        }
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30 ... 0x39: c - 0x30
        case 0x41 ... 0x46: c - 0x41 + 10
        case 0x61 ... 0x66: c - 0x61 + 10
        default: nil
        }
    }
}

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let percent: UInt8 = 0x25
    static let ampersand: UInt8 = 0x26
    static let plus: UInt8 = 0x2B
    static let minus: UInt8 = 0x2D
    static let slash: UInt8 = 0x2F
    static let equals: UInt8 = 0x3D
    static let questionMark: UInt8 = 0x3F
    static let openBracket: UInt8 = 0x5B
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B

    /// Space, tab, carriage return or newline.
    var isJSONWhitespace: Bool { self == .space || self == .newline || self == .carriageReturn || self == .tab }
}
