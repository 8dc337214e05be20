// How literals are spelled when the printer or a cast writes them: numbers as export writes
// them (integers without `.0`, other values in Swift's shortest round-trip form) and strings
// as JSON string literals, which the lexer reads back to the same value.

import ApusModel

enum ExpressionText {
    /// `n` as the lexer reads it back: `5`, `0.25`, `1e+300` (a negative value with its `-`).
    static func number(_ n: Double) -> String {
        var bytes: [UInt8] = []
        JSONWriter.writeNumber(n, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `s` in double quotes with `"`, `\` and control characters escaped.
    static func quoted(_ s: String) -> String {
        var bytes: [UInt8] = []
        JSONWriter.writeString(s, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
