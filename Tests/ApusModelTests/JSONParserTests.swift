// The JSON parser against RFC 8259: values, escapes, surrogates, numbers, and errors with offsets.

import ApusModel
import Testing

struct JSONParserTests {
    /// Every kind of value parses, and object members keep their order.
    @Test func parsesEveryKindOfValueKeepingMemberOrder() throws {
        let value = try JSONParser.parse(#" {"b": [1, 2.5, -3], "a": {"t": true, "f": false, "n": null}, "s": "x"} "#)
        #expect(value == .object([
            JSONMember("b", .array([.number(1), .number(2.5), .number(-3)])),
            JSONMember("a", .object([JSONMember("t", .bool(true)), JSONMember("f", .bool(false)), JSONMember("n", .null)])),
            JSONMember("s", .string("x")),
        ]))
    }

    /// Empty containers and scalars at the top level are values too.
    @Test func parsesEmptyContainersAndTopLevelScalars() throws {
        #expect(try JSONParser.parse("{}") == .object([]))
        #expect(try JSONParser.parse("[ ]") == .array([]))
        #expect(try JSONParser.parse("\"hi\"") == .string("hi"))
        #expect(try JSONParser.parse(" 42 ") == .number(42))
        #expect(try JSONParser.parse("null") == .null)
    }

    /// Duplicate keys are kept as sent; the subscript returns the first.
    @Test func keepsDuplicateKeysInArrivalOrder() throws {
        let value = try JSONParser.parse(#"{"k":1,"k":2}"#)
        #expect(value.objectMembers?.count == 2)
        #expect(value["k"] == .number(1))
    }

    /// A UTF-8 byte order mark before the value is skipped.
    @Test func skipsAByteOrderMark() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(1)]))
    }
}
