// Why an expression was refused, and where. One error type for the module: a stable code the
// server maps to Mixpanel's 400 reply, the character position, and a sentence for the client.

/// An expression that cannot be used: what was wrong and at which character.
package struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem. The raw values are stable and may appear in replies and logs.
    package enum Code: String, Sendable, Equatable, CaseIterable {
        /// Nothing but whitespace.
        case empty
        /// A token that cannot appear here (the message says what was expected).
        case unexpectedToken
        /// The text ended where more was expected.
        case unexpectedEnd
        /// A character that starts no token (e.g. `@`, `&`, a non-ASCII letter outside quotes).
        case unexpectedCharacter
        /// A string literal without its closing quote.
        case unterminatedString
        /// A backslash escape that is not defined, or a bad `\uXXXX`.
        case invalidEscape
        /// A malformed or out-of-range number (`1.`, `1e`, `0x10`, `1e400`).
        case invalidNumber
        /// A name followed by `(` that is not a function of the language.
        case unknownFunction
        /// A bare name that is not a keyword, a function or an `any` variable.
        case unknownIdentifier
        /// `event["..."]` with a field other than `$time`, `$event_name` or `$distinct_id`.
        case unknownEventField
        /// A function called with too few or too many arguments.
        case wrongArgumentCount
        /// An operand whose type can never work (a literal number under `and`, say).
        case typeError
        /// `datetime("...")` or `datetime(n)` of a literal that is no valid date and time.
        case invalidDatetime
        /// Text longer than `ExpressionLimits.textBytesMax`.
        case tooLong
        /// Nesting deeper than `ExpressionLimits.depthMax` (or `anyNestingMax`).
        case tooDeep
        /// More nodes than `ExpressionLimits.nodesMax`.
        case tooManyNodes
        /// A list literal longer than `ExpressionLimits.listElementsMax`.
        case listTooLong
    }

    /// The kind of problem.
    package var code: Code
    /// The 0-based offset, in Unicode scalars (characters, for ASCII text), of the offending token.
    package var offset: Int
    /// A sentence saying what is wrong and where, e.g.
    /// `expected "]" after the property name at position 17`.
    package var message: String

    /// Creates an error; `message` should end with `at position <offset>`.
    package init(_ code: Code, offset: Int, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    /// Creates an error whose message is `what` followed by ` at position <offset>`.
    package init(_ code: Code, at offset: Int, _ what: String) {
        self.init(code, offset: offset, message: "\(what) at position \(offset)")
    }

    package var description: String { message }
}
