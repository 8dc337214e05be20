// Strict readers for numbers that arrive as text: query parameters (`limit`, `project_id`) and
// quoted event times. Swift's `Int("+5")` and `Double("0x10")` accept signs, hex, `inf` and
// `nan`; a client that sends those has made a mistake, so they are refused here instead of
// being read as something the client did not mean.

/// Parsing of plain decimal text.
public enum DecimalText {
    /// Most digits accepted for an integer (keeps every value inside `Int64`).
    public static let integerDigitsMax = 18

    /// The value of `text` when it is 1 to 18 ASCII digits and nothing else (no sign, no space).
    public static func integer(_ text: some StringProtocol) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        for b in text.utf8 {
            guard b &- UInt8.digit0 < 10, digits < integerDigitsMax else { return nil }
            value = value * 10 + Int64(b &- .digit0)
            digits += 1
        }
        return digits == 0 ? nil : value
    }

    /// The value of `text` when it is exactly one JSON number (RFC 8259 §6: optional `-`,
    /// digits without leading zeros, optional fraction and exponent) that fits a double.
    /// No `+`, no hex, no `inf`/`nan`, no surrounding space.
    public static func number(_ text: some StringProtocol) -> Double? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == .minus || first &- .digit0 < 10 else { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Double? in
            var parser = JSONParser(buffer)
            guard let value = try? parser.parseNumber(), parser.isAtEnd else { return nil }
            return value
        }
    }
}
