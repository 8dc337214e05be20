// Finding records before parsing: boundaries, limits checked on bytes alone, and the memory
// estimate that the server charges to its body budget.

import ApusIngest
import ApusModel
import Testing

struct RecordLayoutTests {
    func layout(_ body: String, limits: IngestLimits = .standard) throws -> LocatedPayload {
        try PayloadDecoder.locate(Wire.post(body: body, contentType: "application/json"), limits: limits)
    }

    func texts(_ located: LocatedPayload) -> [String] {
        located.layout.ranges.map { String(decoding: located.payload[$0], as: UTF8.self) }
    }

    /// Batches, single objects and NDJSON give one range per record, trimmed of whitespace.
    @Test func findsEachRecordOfEveryBodyShape() throws {
        #expect(texts(try layout(#" [ {"a":1} , {"b":"]}"} ] "#)) == [#"{"a":1}"#, #"{"b":"]}"}"#])
        #expect(texts(try layout(#"{"a":[1,{"c":2}]}"#)) == [#"{"a":[1,{"c":2}]}"#])
        #expect(texts(try layout("{\"a\":1}\n{\"b\":2}\n[{\"c\":3}]\n")) == [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
        #expect(texts(try layout(#"[1, "x\"]", null]"#)) == ["1", #""x\"]""#, "null"])
        #expect(try layout("[]").layout.ranges.isEmpty)
    }

    /// Escaped quotes and brackets inside strings do not end a record.
    @Test func stringsHideBracketsAndEscapedQuotes() throws {
        let body = #"[{"k":"a\"}]{[\\"},{"k":"\\"}]"#
        #expect(texts(try layout(body)) == [#"{"k":"a\"}]{[\\"}"#, #"{"k":"\\"}"#])
    }

    /// Broken structure is refused with the byte where it breaks; nothing is parsed.
    @Test(arguments: [
        (#"[{"a":1}"#, "ended inside an array"), (#"[{"a":1},]"#, "element is missing"), (#"[,1]"#, "element is missing"),
        (#"{"a":[1}"#, "unexpected '}'"), (#"{"a":"x"#, "not terminated"), (#"[1 2]"#, "not valid JSON"), ("]", "expected an object"),
    ])
    func refusesBrokenStructure(body: String, message: String) {
        let error = ingestError { try layout(body).parse(limits: .standard) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    /// The record and depth limits are checked while scanning.
    @Test func checksRecordCountAndDepthOnBytes() {
        var limits = IngestLimits.standard
        limits.batchRecordsMax = 2
        #expect(ingestError { try layout("[{},{},{}]", limits: limits) }?.code == .tooManyRecords)
        #expect(ingestError { try layout("{}{}{}", limits: limits) }?.code == .tooManyRecords)
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(ingestError { try layout("[{\"a\":\(deep)}]") }?.message.contains("nest more than 64") == true)
    }

    /// A record over the byte limit is never parsed: its slot is null and its size is kept.
    @Test func leavesOversizedRecordsUnparsed() throws {
        var limits = IngestLimits.standard
        limits.recordBytesMax = 20
        let located = try layout(#"[{"a":[1,1,1,1,1,1,1,1,1,1,1,1]},{"b":2}]"#, limits: limits)
        let decoded = try located.parse(limits: limits)
        #expect(decoded.records == [.null, .object([JSONMember("b", .number(2))])])
        #expect(decoded.recordByteCounts == [31, 7])
        #expect(located.parseBytesEstimate(limits: limits) == located.payload.count + 2 * LocatedPayload.bytesPerStructuralByte)
    }

    /// A parse error inside a record names its offset in the whole payload.
    @Test func parseErrorsNameTheOffsetInThePayload() {
        let error = ingestError { try layout(#"[{"a":1}, {"b":01}]"#).parse(limits: .standard) }
        #expect(error?.message.contains("at byte 15") == true, "\(error?.message ?? "")")
    }

    /// The estimate grows with the values a payload holds, not only its bytes.
    @Test func estimatesParseMemoryFromStructure() throws {
        let numbers = try layout("[{\"a\":[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]}]")
        let text = try layout("[{\"a\":\"" + String(repeating: "x", count: 2000) + "\"}]")
        #expect(numbers.payload.count < text.payload.count)
        #expect(numbers.parseBytesEstimate(limits: .standard) > 20 * text.parseBytesEstimate(limits: .standard))
    }
}
