// Why a JSON text was refused, and where. A value, not a string, so callers (ingest, tests)
// can tell a syntax error from a depth limit and point the client at the exact byte.

/// A JSON text that could not be parsed: what was wrong and at which byte offset.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem.
    public enum Kind: String, Sendable, Equatable {
        /// The input holds no value at all (empty or only whitespace).
        case empty
        /// The input ended in the middle of a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte
        /// A backslash escape that JSON does not define, or a bad `\uXXXX`.
        case invalidEscape
        /// Bytes in a string that are not valid UTF-8.
        case invalidUTF8
        /// A raw control character (below U+0020) inside a string.
        case controlCharacter
        /// A number that does not follow the JSON number grammar.
        case invalidNumber
        /// A number too large for a double (e.g. `1e400`).
        case numberOutOfRange
        /// Objects and arrays nested deeper than the parser's `depthMax`.
        case depthExceeded
        /// Something other than whitespace after a complete value.
        case trailingData
    }

    /// The kind of problem.
    public var kind: Kind
    /// The offset, in bytes from the start of the input, of the offending byte.
    public var offset: Int
    /// A sentence saying what is wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, offset: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    /// The message followed by the offset.
    public var description: String { "\(message) (at byte \(offset))" }
}
