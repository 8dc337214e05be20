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

    /// A repeated key keeps its first position and its last value, as JavaScript's JSON.parse.
    @Test func duplicateKeyKeepsFirstPositionAndLastValue() throws {
        let value = try JSONParser.parse(#"{"k":1,"a":true,"k":2,"k":3}"#)
        #expect(value == .object([JSONMember("k", .number(3)), JSONMember("a", .bool(true))]))
    }

    /// Large objects (hash-table path) and nested objects dedupe the same way.
    @Test func duplicateKeysInLargeAndNestedObjectsKeepTheLastValue() throws {
        let many = (0 ..< 40).map { "\"p\($0)\":\($0)" }.joined(separator: ",")
        let value = try JSONParser.parse("{\(many),\"p7\":\"last\",\"n\":{\"x\":1,\"x\":2}}")
        let members = try #require(value.objectMembers)
        #expect(members.count == 41)
        #expect(members[7] == JSONMember("p7", .string("last")))
        #expect(value["n"] == .object([JSONMember("x", .number(2))]))
    }

    /// Keys are compared as bytes: canonically equivalent spellings stay two keys, as in JavaScript.
    @Test func canonicallyEquivalentKeysStayDistinct() throws {
        let value = try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(value.objectMembers?.count == 2)
    }

    /// A UTF-8 byte order mark before the value is skipped.
    @Test func skipsAByteOrderMark() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(1)]))
    }
}
