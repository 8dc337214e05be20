// The writer: compact output, escapes, number forms, and parse ∘ write round trips.

import ApusModel
import Testing

struct JSONWriterTests {
    /// Objects and arrays are written compactly, members in order.
    @Test func writesCompactJSONInMemberOrder() {
        let value = JSONValue.object([
            JSONMember("z", .array([.number(1), .bool(true), .null])),
            JSONMember("a", .object([])),
            JSONMember("s", .string("x")),
        ])
        #expect(JSONWriter.string(value) == #"{"z":[1,true,null],"a":{},"s":"x"}"#)
        #expect(value.jsonString == JSONWriter.string(value))
    }

    /// Quotes, backslashes and control characters are escaped; other text is left as UTF-8.
    @Test func escapesQuotesBackslashesAndControlCharacters() {
        let value = JSONValue.string("a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}/é😀")
        #expect(JSONWriter.string(value) == #""a\"b\\c\n\r\t\b\f\u0001\u001f/é😀""#)
    }

    /// Integral doubles below 2^53 print as integers; others in shortest round-trip form.
    @Test(arguments: [
        (1700000000.0, "1700000000"), (1735689600123.0, "1735689600123"), (0.0, "0"), (-0.0, "0"),
        (-42.0, "-42"), (9007199254740991.0, "9007199254740991"), (1.5, "1.5"), (0.1, "0.1"),
        (-2.25, "-2.25"), (1e300, "1e+300"), (9007199254740992.0, "9007199254740992.0"), (1e16, "1e+16"),
        (1.5e-7, "1.5e-07"), (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
        (Double(Int64.min), "-9.223372036854776e+18"),
    ])
    func writesNumbers(value: Double, text: String) {
        #expect(JSONWriter.string(.number(value)) == text)
    }

    /// Writing then parsing gives the same value, for awkward strings and numbers.
    @Test func roundTripsThroughTheParser() throws {
        let value = JSONValue.array([
            .string(""), .string("\u{0}\u{7F}\u{80}\u{FFFF}\u{10000}"), .string("\"\\"),
            .number(0.1 + 0.2), .number(-1e-300), .number(123456789.125), .number(Double.leastNonzeroMagnitude),
            .object([JSONMember("", .null), JSONMember("k\"ey", .array([]))]),
        ])
        let text = JSONWriter.string(value)
        #expect(try JSONParser.parse(text) == value)
        // And parse ∘ write ∘ parse is stable on text.
        #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
    }

    /// Output is appended to the caller's buffer.
    @Test func appendsToTheGivenBuffer() {
        var buffer = Array("x=".utf8)
        JSONWriter.write(.array([.number(1)]), into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "x=[1]")
    }
}
