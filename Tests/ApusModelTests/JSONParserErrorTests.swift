// Structural errors: each says what was expected and where.

import ApusModel
import Testing

struct JSONParserErrorTests {
    func parseError(_ text: String, depthMax: Int = JSONParser.depthMaxDefault) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(text, depthMax: depthMax)
            return nil
        } catch {
            return error
        }
    }

    /// Each structural mistake is reported with its kind and byte offset.
    @Test(arguments: [
        ("", JSONParseError.Kind.empty, 0),
        ("   ", .empty, 3),
        ("{", .unexpectedEnd, 1),
        ("[1,", .unexpectedEnd, 3),
        ("[1 2]", .unexpectedByte, 3),
        ("{\"a\" 1}", .unexpectedByte, 5),
        ("{\"a\":1,}", .unexpectedByte, 7),
        ("[1,]", .unexpectedByte, 3),
        ("{a:1}", .unexpectedByte, 1),
        ("tru", .unexpectedEnd, 3),
        ("nul!", .unexpectedByte, 3),
        ("{} x", .trailingData, 3),
        ("[1]]", .trailingData, 3),
        ("'a'", .unexpectedByte, 0),
    ])
    func reportsKindAndOffset(text: String, kind: JSONParseError.Kind, offset: Int) throws {
        let error = try #require(parseError(text))
        #expect(error.kind == kind)
        #expect(error.offset == offset)
        #expect(!error.message.isEmpty)
    }

    /// Nesting up to depthMax parses; one level deeper is refused.
    @Test func refusesNestingDeeperThanTheLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(parseError(ok) == nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = try #require(parseError(deep))
        #expect(error.kind == .depthExceeded)
        #expect(error.offset == 64)
        #expect(parseError("{\"a\":{\"b\":1}}", depthMax: 1)?.kind == .depthExceeded)
    }

    /// The description names the byte offset.
    @Test func describesTheOffset() throws {
        let error = try #require(parseError("[1,]"))
        #expect(error.description.contains("at byte 3"))
        #expect(error.message.contains("']'") || error.message.contains("value"))
    }

    /// A sequence (NDJSON) parses value by value; errors in a later line point into that line.
    @Test func parsesSequencesAndLocatesErrorsInLaterValues() throws {
        let values = try JSONParser.parseSequence(Array("{\"a\":1}\n{\"a\":2}\r\n\n [3]\n".utf8))
        #expect(values == [.object([JSONMember("a", .number(1))]), .object([JSONMember("a", .number(2))]), .array([.number(3)])])
        #expect(try JSONParser.parseSequence(Array("  \n".utf8)).isEmpty)
        do {
            _ = try JSONParser.parseSequence(Array("{\"a\":1}\n{\"a\":}\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 13)
        }
    }

    /// parseArray reports each element's byte range.
    @Test func reportsArrayElementRanges() throws {
        let bytes = Array(#" [ {"a":1} ,"xy",  3 ] "#.utf8)
        var ranges: [Range<Int>] = []
        let elements = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var parser = JSONParser(buffer)
            return try parser.parseArray(elementRanges: &ranges)
        }
        #expect(elements.count == 3)
        #expect(ranges.map { String(decoding: bytes[$0], as: UTF8.self) } == [#"{"a":1}"#, #""xy""#, "3"])
    }
}
