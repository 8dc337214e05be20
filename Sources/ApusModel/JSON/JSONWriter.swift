// Compact JSON output for `JSONValue`, appended to a caller-owned byte buffer so export and
// responses can stream many values through one allocation.
// Numbers: an integral double below 2^53 in magnitude prints as an integer (`1700000000`,
// never `1.7e9` or `1700000000.0`), any other finite double as Swift's shortest round-trip
// form, and NaN or infinity (which JSON cannot express) as `null`.

/// Serialises `JSONValue` to compact JSON (no insignificant whitespace).
public enum JSONWriter {
    /// Appends the JSON text of `value` to `output`.
    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null:
            appendASCII("null", to: &output)
        case .bool(let b):
            appendASCII(b ? "true" : "false", to: &output)
        case .number(let d):
            writeNumber(d, into: &output)
        case .string(let s):
            writeString(s, into: &output)
        case .array(let elements):
            output.append(.openBracket)
            var first = true
            for element in elements {
                if !first { output.append(.comma) }
                first = false
                write(element, into: &output)
            }
            output.append(.closeBracket)
        case .object(let members):
            output.append(.openBrace)
            var first = true
            for member in members {
                if !first { output.append(.comma) }
                first = false
                writeString(member.key, into: &output)
                output.append(.colon)
                write(member.value, into: &output)
            }
            output.append(.closeBrace)
        }
    }

    /// The JSON text of `value` as bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    /// The JSON text of `value` as a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Appends `d` as a JSON number (`null` when it is NaN or infinite).
    public static func writeNumber(_ d: Double, into output: inout [UInt8]) {
        guard d.isFinite else {
            appendASCII("null", to: &output)
            return
        }
        if d.magnitude < 9_007_199_254_740_992, d == d.rounded(.towardZero) {
            writeInteger(Int64(d), into: &output)
        } else {
            output.append(contentsOf: d.description.utf8)
        }
    }

    /// Appends `value` in decimal.
    public static func writeInteger(_ value: Int64, into output: inout [UInt8]) {
        if value < 0 { output.append(.minus) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            output.append(UInt8(truncatingIfNeeded: magnitude) &+ .digit0)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of room; 20 digits at most
        withUnsafeMutableBytes(of: &digits) { buffer in
            var end = buffer.count
            while magnitude > 0 {
                end -= 1
                buffer[end] = UInt8(truncatingIfNeeded: magnitude % 10) &+ .digit0
                magnitude /= 10
            }
            output.append(contentsOf: buffer[end...])
        }
    }

    /// Appends `s` as a JSON string, escaping `"`, `\` and control characters.
    public static func writeString(_ s: String, into output: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &output) }
    }

    /// Appends UTF-8 bytes as a JSON string literal (quoted, escaped).
    public static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.append(.quote)
        var runStart = 0
        for i in 0 ..< bytes.count {
            let b = bytes[i]
            guard b < 0x20 || b == .quote || b == .backslash else { continue }
            if i > runStart {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart ..< i]))
            }
            runStart = i + 1
            output.append(.backslash)
            switch b {
            case .quote: output.append(.quote)
            case .backslash: output.append(.backslash)
            case 0x08: output.append(0x62) // b
            case 0x0C: output.append(0x66) // f
            case 0x0A: output.append(0x6E) // n
            case 0x0D: output.append(0x72) // r
            case 0x09: output.append(0x74) // t
            default:
                output.append(0x75) // u
                output.append(.digit0)
                output.append(.digit0)
                output.append(hexDigit(b >> 4))
                output.append(hexDigit(b & 0x0F))
            }
        }
        if bytes.count > runStart {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(.quote)
    }

    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble + .digit0 : nibble - 10 + 0x61
    }

    static func appendASCII(_ text: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

extension JSONValue {
    /// The compact JSON text of this value.
    public var jsonString: String { JSONWriter.string(self) }
}
