// Finding records before parsing: boundaries, limits checked on bytes alone, and the memory
// estimate that the server charges to its body budget.

import ApusIngest
import ApusModel
import Testing

/// Every test runs on both paths: payloads parsed while their records are found (up to one
/// record's size), and payloads scanned first (forced here with `onePassBytesMax: 0`).
@Suite(.serialized)
struct RecordLayoutTests {
    static let paths: [Int?] = [nil, 0]

    func layout(_ body: String, limits: IngestLimits = .standard, onePass: Int? = nil) throws -> LocatedPayload {
        try PayloadDecoder.locate(Wire.post(body: body, contentType: "application/json"), limits: limits, onePassBytesMax: onePass)
    }

    func texts(_ located: LocatedPayload) -> [String] {
        located.layout.ranges.map { String(decoding: located.payload[$0], as: UTF8.self) }
    }

    /// Batches, single objects and NDJSON give one range per record, trimmed of whitespace.
    @Test(arguments: paths)
    func findsEachRecordOfEveryBodyShape(onePass: Int?) throws {
        #expect(texts(try layout(#" [ {"a":1} , {"b":"]}"} ] "#, onePass: onePass)) == [#"{"a":1}"#, #"{"b":"]}"}"#])
        #expect(texts(try layout(#"{"a":[1,{"c":2}]}"#, onePass: onePass)) == [#"{"a":[1,{"c":2}]}"#])
        #expect(texts(try layout("{\"a\":1}\n{\"b\":2}\n[{\"c\":3}]\n", onePass: onePass)) == [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#])
        #expect(texts(try layout(#"[1, "x\"]", null]"#, onePass: onePass)) == ["1", #""x\"]""#, "null"])
        #expect(try layout("[]", onePass: onePass).layout.ranges.isEmpty)
    }

    /// Escaped quotes and brackets inside strings do not end a record.
    @Test(arguments: paths)
    func stringsHideBracketsAndEscapedQuotes(onePass: Int?) throws {
        let body = #"[{"k":"a\"}]{[\\"},{"k":"\\"}]"#
        #expect(texts(try layout(body, onePass: onePass)) == [#"{"k":"a\"}]{[\\"}"#, #"{"k":"\\"}"#])
    }

    /// Broken structure is refused with the byte where it breaks; nothing is parsed.
    @Test(arguments: [#"[{"a":1}"#, #"[{"a":1},]"#, #"[,1]"#, #"{"a":[1}"#, #"{"a":"x"#, #"[1 2]"#, "]", #"[{"a":01}]"#], paths)
    func refusesBrokenStructure(body: String, onePass: Int?) {
        let error = ingestError { try layout(body, onePass: onePass).parse(limits: .standard) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.message.contains("not valid JSON") == true, "\(error?.message ?? "no error")")
    }

    /// The record and depth limits are checked while scanning.
    @Test(arguments: paths)
    func checksRecordCountAndDepthOnBytes(onePass: Int?) {
        var limits = IngestLimits.standard
        limits.batchRecordsMax = 2
        #expect(ingestError { try layout("[{},{},{}]", limits: limits, onePass: onePass) }?.code == .tooManyRecords)
        #expect(ingestError { try layout("{}{}{}", limits: limits, onePass: onePass) }?.code == .tooManyRecords)
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(ingestError { try layout("[{\"a\":\(deep)}]", onePass: onePass) }?.message.contains("nest more than 64") == true)
    }

    /// A record over the byte limit is never parsed: its slot is null and its size is kept.
    @Test(arguments: paths)
    func leavesOversizedRecordsUnparsed(onePass: Int?) throws {
        var limits = IngestLimits.standard
        limits.recordBytesMax = 20
        let located = try layout(#"[{"a":[1,1,1,1,1,1,1,1,1,1,1,1]},{"b":2}]"#, limits: limits, onePass: onePass)
        let decoded = try located.parse(limits: limits)
        #expect(decoded.records == [.null, .object([JSONMember("b", .number(2))])])
        #expect(decoded.recordByteCounts == [31, 7])
        #expect(located.parseBytesEstimate == located.payload.count + 4 * LocatedPayload.bytesPerStructuralByte)
    }

    /// A parse error inside a record names its offset in the whole payload.
    @Test(arguments: paths)
    func parseErrorsNameTheOffsetInThePayload(onePass: Int?) {
        let error = ingestError { try layout(#"[{"a":1}, {"b":01}]"#, onePass: onePass).parse(limits: .standard) }
        #expect(error?.message.contains("at byte 15") == true, "\(error?.message ?? "")")
    }

    /// The estimate grows with the values a payload holds, not only its bytes.
    @Test(arguments: paths)
    func estimatesParseMemoryFromStructure(onePass: Int?) throws {
        let numbers = try layout("[{\"a\":[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]}]", onePass: onePass)
        let text = try layout("[{\"a\":\"" + String(repeating: "x", count: 2000) + "\"}]", onePass: onePass)
        #expect(numbers.payload.count < text.payload.count)
        #expect(numbers.parseBytesEstimate > 20 * text.parseBytesEstimate)
    }

    /// Both paths find the same records, ranges and structure on the same bytes.
    @Test(arguments: [
        #"[{"a":1},{"b":[1,2,{"c":"]"}]}]"#, "{\"a\":1}\n\n{\"b\":{}}\r\n[]", #" [ 1 , "s" , true , null , [ ] ] "#,
        #"{"k":"\u0041\\\"","n":-1.5e3}"#,
    ])
    func bothPathsAgree(body: String) throws {
        let onePass = try layout(body)
        let scanned = try layout(body, onePass: 0)
        #expect(onePass.layout == scanned.layout)
        #expect(try onePass.parse(limits: .standard).records == scanned.parse(limits: .standard).records)
    }
}
