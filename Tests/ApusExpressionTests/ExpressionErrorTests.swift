// Refused expressions: each gives a stable code, the character position of the problem, and a
// message that says what was expected there.

@testable import ApusExpression
import Testing

struct ExpressionErrorTests {
    /// Bad input → code and position.
    @Test(arguments: [
        ("", ExpressionError.Code.empty, 0),
        ("   ", .empty, 3),
        ("properties[\"a\"", .unexpectedEnd, 14),
        ("properties[\"name\")", .unexpectedToken, 17),
        ("properties[name]", .unexpectedToken, 11),
        ("properties", .unexpectedEnd, 10),
        ("properties(\"a\")", .unexpectedToken, 10),
        ("user[1]", .unexpectedToken, 5),
        ("event", .unexpectedEnd, 5),
        ("event[\"foo\"]", .unknownEventField, 6),
        ("\"abc", .unterminatedString, 0),
        ("1 == 'abc", .unterminatedString, 5),
        ("\"a\\qb\"", .invalidEscape, 2),
        ("\"\\u12\"", .invalidEscape, 1),
        ("\"\\ud800\"", .invalidEscape, 1),
        ("\"\\ud800\\u0041\"", .invalidEscape, 1),
        ("\"a\\", .unterminatedString, 0),
        ("foo(1)", .unknownFunction, 0),
        ("len(properties[\"s\"])", .unknownFunction, 0),
        ("foo", .unknownIdentifier, 0),
        ("X == 1", .unknownIdentifier, 0),
        ("floor(1, 2)", .wrongArgumentCount, 0),
        ("1 + string()", .wrongArgumentCount, 4),
        ("string(1, 2, 3)", .wrongArgumentCount, 0),
        ("defined()", .wrongArgumentCount, 0),
        ("floor", .unexpectedEnd, 5),
        ("floor 1", .unexpectedToken, 6),
        ("1 +", .unexpectedEnd, 3),
        ("1 2", .unexpectedToken, 2),
        ("(1", .unexpectedEnd, 2),
        ("1)", .unexpectedToken, 1),
        ("[1, 2", .unexpectedEnd, 5),
        ("[1,]", .unexpectedToken, 3),
        ("f(,)", .unknownFunction, 0),
        ("floor(,)", .unexpectedToken, 6),
        ("@", .unexpectedCharacter, 0),
        ("1 & 2", .unexpectedCharacter, 2),
        ("1 ! 2", .unexpectedCharacter, 2),
        ("é", .unexpectedCharacter, 0),
        ("\"é\" x", .unexpectedToken, 4),
        ("\"e\u{301}\" x", .unexpectedToken, 5),
        ("properties[\"a\"] = 1", .unexpectedToken, 16),
        ("1.", .invalidNumber, 0),
        ("1.x", .invalidNumber, 0),
        ("1e", .invalidNumber, 0),
        ("1e+", .invalidNumber, 0),
        ("0x10", .invalidNumber, 0),
        ("1.2.3", .invalidNumber, 0),
        ("12abc", .invalidNumber, 0),
        ("1e400", .invalidNumber, 0),
        (".5", .unexpectedCharacter, 0),
        ("1 and true", .typeError, 0),
        ("true or \"x\"", .typeError, 8),
        ("true and [1]", .typeError, 9),
        ("null or true", .typeError, 0),
        ("datetime(\"yesterday\")", .invalidDatetime, 9),
        ("datetime(\"2025-02-30\")", .invalidDatetime, 9),
        ("datetime(1e300)", .invalidDatetime, 9),
        ("any(and, [1], true)", .unexpectedToken, 4),
        ("any(X [1], true)", .unexpectedToken, 6),
        ("any(X, [X], true)", .unknownIdentifier, 8),
        ("any(X, [1], any(Y, [2], true))", .tooDeep, 12),
        ("any(X, [1], true", .unexpectedEnd, 16),
        ("1 == not 2", .unexpectedToken, 5),
        ("-not true", .unexpectedToken, 1),
        ("not", .unexpectedEnd, 3),
        ("and", .unexpectedToken, 0),
        ("1 in", .unexpectedEnd, 4),
        ("1 == == 2", .unexpectedToken, 5),
    ])
    func reportsCodeAndPosition(text: String, code: ExpressionError.Code, offset: Int) throws {
        let error = try #require(parseError(text), "\(text) parsed")
        #expect(error.code == code, "\(text): \(error.message)")
        #expect(error.offset == offset, "\(text): \(error.message)")
        #expect(error.message.hasSuffix("at position \(offset)"))
    }

    /// Messages say what was expected, and where.
    @Test(arguments: [
        ("properties[\"name\")", "expected \"]\" after the property name but found \")\" at position 17"),
        ("(1 + 2", "expected \")\" to close the \"(\" at position 0 but the expression ended at position 6"),
        ("properties[\"a\"] = 1", "use \"==\" to compare"),
        ("foo(1)", "unknown function \"foo\""),
        ("floor(1, 2)", "floor() takes 1 argument, not 2 at position 0"),
        ("string()", "string() takes 1 or 2 arguments, not 0"),
        ("event[\"$timestamp\"]", "unknown event field \"$timestamp\""),
        ("1 and true", "\"and\" needs true/false operands, but this is a number literal"),
        ("@", "unexpected character \"@\" at position 0"),
    ])
    func messagesSayWhatWasExpected(text: String, fragment: String) throws {
        let error = try #require(parseError(text))
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.description == error.message)
    }

    /// The first problem in the text is the one reported, even when a later token is also bad.
    @Test func reportsTheFirstProblem() {
        #expect(parseError("1 + + \"unterminated")?.code == .unexpectedToken)
        #expect(parseError("\"unterminated")?.code == .unterminatedString)
    }
}
