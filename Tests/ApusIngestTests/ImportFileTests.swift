// `apus import`'s reading side: finding records in a stream of bytes whatever the chunking,
// surviving bad spots record by record, gzip, and decoding batches by /import's rules.

@testable import ApusIngest
import ApusModel
import ApusStoreCore
import ApusTesting
import Foundation
import Testing

struct ImportFileTests {
    /// Splits `text` fed in chunks of the given sizes (cycled); returns records and failures.
    func split(_ text: String, chunks: [Int] = [1 << 20], recordBytesMax: Int = 1 << 20, batchRecords: Int = 3)
        -> (records: [String], lines: [Int], failures: [ImportRecordFailure]) {
        var splitter = RecordSplitter(recordBytesMax: recordBytesMax, batchRecords: batchRecords, batchBytes: 1 << 20)
        let bytes = Array(text.utf8)
        var batches: [RecordBatch] = []
        var at = 0, k = 0
        while at < bytes.count {
            let n = min(chunks[k % chunks.count], bytes.count - at)
            bytes[at..<(at + n)].withUnsafeBufferPointer { batches += splitter.feed($0) }
            at += n
            k += 1
        }
        if let last = splitter.finish() { batches.append(last) }
        var records: [String] = [], lines: [Int] = [], failures: [ImportRecordFailure] = []
        for b in batches {
            for (r, line) in zip(b.ranges, b.lines) {
                records.append(String(decoding: b.bytes[r], as: UTF8.self))
                lines.append(line)
            }
            failures += b.failures
        }
        return (records, lines, failures)
    }

    @Test func ndjsonLinesBecomeRecordsWithTheirLineNumbers() {
        let r = split("{\"a\":1}\n{\"b\":\"}{\"}\n\n{\"c\":[1,{\"d\":2}]}\n")
        #expect(r.records == ["{\"a\":1}", "{\"b\":\"}{\"}", "{\"c\":[1,{\"d\":2}]}"])
        #expect(r.lines == [1, 2, 4])
        #expect(r.failures.isEmpty)
    }

    @Test func jsonArraysAndPrettyPrintedObjectsSplitIntoTheirElements() {
        let r = split("[\n  {\"a\": 1},\n  {\"b\": {\n    \"c\": \"x\\\"]\"\n  }}\n]\n[{\"d\":4}]")
        #expect(r.records == ["{\"a\": 1}", "{\"b\": {\n    \"c\": \"x\\\"]\"\n  }}", "{\"d\":4}"])
        #expect(r.failures.isEmpty)
    }

    /// Where the chunks of a file end never changes what is found (seeded random chunkings),
    /// including lines taken whole that are not one object (two objects, a stray brace: each
    /// such line is one record, which decoding refuses) and lines padded with spaces.
    @Test func chunkBoundariesNeverChangeTheRecordsFound() {
        var rng = SeededRandom(seed: 7)
        var text = "\u{FEFF}"
        for i in 0..<200 {
            text += "{\"event\":\"e\(i)\",\"properties\":{\"s\":\"q\\\"{\\\\\",\"l\":[\(i),{\"x\":\"]\"}]}}\n"
            if i % 37 == 0 { text += "not json here\n" }
            if i % 53 == 0 { text += "{\"broken\": \n" }
            if i % 41 == 0 { text += "{\"x\":1}}\n" }
            if i % 43 == 0 { text += "  {\"a\":1} {\"b\":2}\t\r\n" }
        }
        let whole = split(text)
        #expect(whole.records.count == 200 + 5 + 5)
        #expect(whole.records.contains("{\"a\":1} {\"b\":2}"))
        #expect(whole.failures.count == 6 + 4)
        for _ in 0..<40 {
            let chunks = (0..<5).map { _ in Int(rng.next() % 97) + 1 }
            let r = split(text, chunks: chunks)
            #expect(r.records == whole.records)
            #expect(r.lines == whole.lines)
            #expect(r.failures == whole.failures)
        }
    }

    @Test func aBrokenNDJSONLineCostsOnlyThatRecord() {
        let r = split("{\"a\":1}\n{\"b\":\n{\"c\":3}\n{\"d\":\"unterminated\n{\"e\":5}\n")
        #expect(r.records == ["{\"a\":1}", "{\"c\":3}", "{\"e\":5}"])
        #expect(r.failures.map(\.line) == [2, 4])
        #expect(r.failures.allSatisfy { $0.code == "invalid_json" })
    }

    @Test func textThatIsNotAnObjectIsRefusedLineByLine() {
        let r = split("42\n\"x\" {\"still\": \"skipped\"}\n{\"a\":1}\n")
        #expect(r.records == ["{\"a\":1}"])
        #expect(r.failures.map(\.code) == ["record_not_object", "record_not_object"])
        #expect(r.failures.map(\.line) == [1, 2])
    }

    /// An oversized record is dropped as it streams past (never held whole) and reported.
    @Test func anOversizedRecordIsSkippedAndReported() {
        let big = "{\"p\":\"" + String(repeating: "x", count: 5000) + "\"}"
        let r = split("{\"a\":1}\n" + big + "\n{\"b\":2}\n", chunks: [64], recordBytesMax: 1000)
        #expect(r.records == ["{\"a\":1}", "{\"b\":2}"])
        #expect(r.failures.map(\.code) == ["record_too_large"])
        #expect(r.failures.first?.line == 2)
    }

    @Test func aRecordCutOffByTheEndOfTheFileIsAFailure() {
        let r = split("{\"a\":1}\n{\"b\":[1,2")
        #expect(r.records == ["{\"a\":1}"])
        #expect(r.failures.map(\.code) == ["invalid_json"])
    }

    // MARK: Files

    func withFile(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/input"
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        try body(path)
    }

    func readAll(_ path: String, chunkBytes: Int) throws -> [UInt8] {
        let reader = try ImportFileReader(path: path, chunkBytes: chunkBytes)
        var out: [UInt8] = []
        while try reader.next({ out.append(contentsOf: $0) }) {}
        return out
    }

    @Test func gzipFilesAreInflatedWhateverTheirNameIncludingSeveralMembers() throws {
        let text = Array((0..<3000).map { "{\"n\":\($0)}\n" }.joined().utf8)
        let half = text.count / 2
        let twoMembers = GzipCompressor.compress(Array(text[..<half])) + GzipCompressor.compress(Array(text[half...]))
        try withFile(twoMembers) { (path: String) throws in
            #expect(try readAll(path, chunkBytes: 1000) == text)
        }
        try withFile(text) { (path: String) throws in
            #expect(try readAll(path, chunkBytes: 777) == text)
        }
    }

    /// A plain file (mapped, its pages let go as chunks are handed out) reads back byte for
    /// byte whatever the chunk size, and counts every byte; files too short to map read too.
    @Test func plainFilesReadWholeInChunksOfAnySize() throws {
        var rng = SeededRandom(seed: 8)
        let text = Array((0..<40_000).map { "{\"n\":\($0),\"pad\":\"\(String(repeating: "x", count: Int(rng.next() % 40)))\"}\n" }.joined().utf8)
        try withFile(text) { (path: String) throws in
            for chunk in [1, 4095, 4096, 65_537, 1 << 20, text.count + 10] {
                let reader = try ImportFileReader(path: path, chunkBytes: chunk)
                var out: [UInt8] = []
                var calls = 0
                while try reader.next({ out.append(contentsOf: $0); calls += 1 }) {}
                #expect(out == text, "chunk \(chunk)")
                #expect(reader.fileBytesRead == text.count)
                #expect(calls == (text.count + chunk - 1) / chunk)
                #expect(!reader.isGzip)
            }
        }
        for tiny in [[], [0x7B]] as [[UInt8]] {
            try withFile(tiny) { (path: String) throws in #expect(try readAll(path, chunkBytes: 4096) == tiny) }
        }
    }

    @Test func aTruncatedGzipFileIsRefusedWithItsName() throws {
        let gz = GzipCompressor.compress(Array(String(repeating: "{\"n\":1}\n", count: 5000).utf8))
        try withFile(Array(gz.prefix(gz.count / 2))) { path in
            #expect(throws: ImportFileError.self) { _ = try readAll(path, chunkBytes: 4096) }
        }
    }

    // MARK: Decoding

    func batch(_ text: String) -> RecordBatch {
        var splitter = RecordSplitter(recordBytesMax: 1 << 20, batchRecords: 1000)
        var batches = Array(text.utf8).withUnsafeBufferPointer { splitter.feed($0) }
        if let last = splitter.finish() { batches.append(last) }
        return batches[0]
    }

    /// The heads the transcoder notes for the loader match each record's own bytes: its
    /// time and distinct id, and no record marked free of identity facts holds one (identity
    /// commands, `$user_id`, a record that takes the general path, and refused records between).
    @Test func notedHeadsMatchTheRecordsTheyDescribe() throws {
        let decoder = ImportBatchDecoder(project: 3, nowMs: 1_800_000_000_000)
        let text = """
            {"event":"A","properties":{"time":1735689600,"distinct_id":"u1","$insert_id":"i1","plan":"pro"}}
            {"event":"B","properties":{"distinct_id":"u1"}}
            {"event":"C","properties":{"time":1735689601,"distinct_id":"device-9","$device_id":"d9","$user_id":"alice"}}
            {"event":"$identify","properties":{"time":1735689602,"distinct_id":"bob","$anon_id":"anon-1"}}
            {"event":"D","properties":{"time":1735689603,"distinct_id":"u\\u00e9","plan":"a","plan":"b"}}
            {"event":"$merge","properties":{"time":1735689604,"$distinct_ids":["x","y"]}}
            {"event":"E","properties":{"time":1735689605,"distinct_id":42,"$user_id":"carol"}}
            {"event":"F","properties":{"time":1735689606.5,"distinct_id":""}}
            """
        let r = decoder.decode(batch(text))
        let heads = try #require(r.heads)
        #expect(r.records.count == 7 && heads.count == 7)
        var read = RecordHeads()
        var appended = EventRecords()
        for i in 0..<r.records.count {
            appended.append(record: r.records.bytes[r.records.ranges[i]])
            read.noteLast(of: appended)
            let start = r.records.ranges[i].lowerBound
            #expect(heads.timesMs[i] == read.timesMs[i], "record \(i)")
            #expect(heads.distinctIdCounts[i] == read.distinctIdCounts[i], "record \(i)")
            #expect(Int(heads.distinctIdStarts[i]) - start == Int(read.distinctIdStarts[i]) - appended.ranges[i].lowerBound, "record \(i)")
            let links = r.records.bytes.withUnsafeBytes { IdentityLink.links(inRecord: UnsafeRawBufferPointer(rebasing: $0[r.records.ranges[i]])) }
            if !heads.mayHoldLinks[i] { #expect(links.isEmpty, "record \(i) holds \(links)") }
        }
        #expect(heads.mayHoldLinks == [false, true, true, true, true, true, false])
    }

    @Test func batchesFollowImportRulesAndReportFailuresByLine() throws {
        let decoder = ImportBatchDecoder(project: 3, nowMs: 1_800_000_000_000)
        let text = """
            {"event":"A","properties":{"time":1735689600,"distinct_id":"u1","$insert_id":"i1","plan":"pro"}}
            {"event":"B","properties":{"distinct_id":"u1"}}
            {"event":"C","properties":{"time":1735689601,"distinct_id":"u2",}}
            {"event":"D","properties":{"time":1735689602,"distinct_id":"u3","token":"someone-elses"}}
            """
        let r = decoder.decode(batch(text))
        let events = try r.records.events()
        #expect(events.map(\.name) == ["A", "D"])
        #expect(events[0].timeMs == 1_735_689_600_000)
        #expect(r.failures.map(\.line) == [2, 3])
        #expect(r.failures.map(\.code) == ["missing_field", "invalid_json"])
    }

    /// The same file decodes to the same generated insert ids, so a re-run dedupes.
    /// Batches of valid JSON are transcoded; the records, failures and generated insert ids are
    /// those of parsing each record into a value.
    @Test func transcodedBatchesMatchParsedOnes() throws {
        let decoder = ImportBatchDecoder(project: 3, nowMs: 1_800_000_000_000)
        let text = #"""
            {"event":"A","properties":{"time":1735689600,"distinct_id":"u1","$insert_id":"i1","plan":"pro","n":1.5}}
            {"event":"B","properties":{"distinct_id":"u1"}}
            {"event":"C","properties":{"time":1735689601,"distinct_id":"u2","tags":["x"],"k":1,"k":2}}
            {"event":"D","properties":{"time":1735689602,"token":"whatever","$ignore":"yes"}}
            [{"event":"E","properties":{"time":1735689603,"city":"Zürich \u00e9"}}]
            """#
        let b = batch(text)
        let fast = decoder.decode(b)
        let parsed = decoder.decodeParsingEach(b, context: decoder.context(for: b))
        #expect(fast.records.bytes == parsed.records.bytes)
        #expect(fast.records.count == 3)
        #expect(fast.failures == parsed.failures)
        #expect(fast.failures.map(\.line) == [2])
        #expect(fast.ignored == parsed.ignored && fast.ignored == 1)
    }

    @Test func generatedInsertIdsAreTheSameOnEveryRun() throws {
        let decoder = ImportBatchDecoder(project: 3, nowMs: 1_800_000_000_000)
        let text = (0..<5).map { #"{"event":"A","properties":{"time":\#(1735689600 + $0),"distinct_id":"u1"}}"# }.joined(separator: "\n")
        let first = try decoder.decode(batch(text)).records.events().map(\.insertId)
        let second = try decoder.decode(batch(text)).records.events().map(\.insertId)
        #expect(first == second)
        #expect(Set(first).count == 5)
    }
}
