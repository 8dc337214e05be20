import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Testing

struct WALScannerTests {
    func segment(_ payloads: [(WALPayload, UInt64)]) -> [UInt8] {
        var bytes = WALSegmentHeader.magic
        for (p, seq) in payloads { bytes += p.frame(firstSeq: seq) }
        return bytes
    }

    func events(_ n: Int, name: String = "E") -> [Event] {
        (0..<n).map { Event(name: name, distinctId: "u\($0)", timeMs: 1_735_689_600_000 + Int64($0), insertId: "i\($0)",
                            properties: [JSONMember("k", .number(Double($0)))]) }
    }

    /// Frames written in order read back in order with their sequence numbers and records.
    @Test func readsBackEveryWholeFrame() throws {
        let a = WALPayload(receivedMs: 5, events: events(3))
        let b = WALPayload(kind: .userUpdates, receivedMs: 6, records: [Array("{\"$set\":{}}".utf8)])
        let scan = WALScanner.scan(segment([(a, 1), (b, 4)]))
        #expect(scan.stopReason == nil)
        #expect(scan.frames.map(\.firstSeq) == [1, 4])
        #expect(scan.frames.map(\.kind) == [.events, .userUpdates])
        #expect(try EventCodec.decode(scan.frames[0].records[2]) == events(3)[2])
    }

    /// A scan asked to skip some frames' records still checks and lists every frame (opening
    /// a project reads out only the update-log frames its profile checkpoint lacks).
    @Test func checksEveryFrameButCopiesOnlyTheRecordsAskedFor() throws {
        let a = WALPayload(receivedMs: 5, events: events(3))
        let b = WALPayload(kind: .userUpdates, receivedMs: 6, records: [Array("{\"$set\":{}}".utf8)])
        let bytes = segment([(a, 1), (b, 4)])
        let scan = WALScanner.scan(bytes, keepRecords: { kind, seq in kind == .userUpdates && seq >= 4 })
        #expect(scan.stopReason == nil && scan.validLength == bytes.count)
        #expect(scan.frames.map(\.firstSeq) == [1, 4])
        #expect(scan.frames.map(\.records.count) == [0, 1])
        var damaged = bytes
        damaged[WALSegmentHeader.magic.count + 12] ^= 1 // inside the skipped frame's payload
        #expect(WALScanner.scan(damaged, keepRecords: { _, _ in false }).frames.isEmpty)
    }

    /// Every possible torn tail (cut at each byte of the last frame) keeps exactly the frames before it.
    @Test func cutsEveryTornTailBackToTheLastWholeFrame() {
        let a = WALPayload(receivedMs: 5, events: events(2))
        let b = WALPayload(receivedMs: 6, events: events(2, name: "F"))
        let full = segment([(a, 1), (b, 3)])
        let firstEnd = WALSegmentHeader.magic.count + a.frame(firstSeq: 1).count
        for cut in firstEnd..<full.count {
            let scan = WALScanner.scan(Array(full[0..<cut]))
            #expect(scan.frames.count == 1)
            #expect(scan.validLength == firstEnd)
            #expect(scan.stopReason != nil || cut == firstEnd)
        }
    }

    /// A flipped bit anywhere in a frame is caught by the checksum; nothing after it is trusted.
    @Test func detectsAFlippedBitInAnyByteOfAFrame() {
        let a = WALPayload(receivedMs: 5, events: events(2))
        let full = segment([(a, 1)])
        for i in WALSegmentHeader.magic.count..<full.count {
            var damaged = full
            damaged[i] ^= 0x10
            let scan = WALScanner.scan(damaged)
            #expect(scan.frames.isEmpty, "byte \(i)")
            #expect(scan.stopReason != nil)
        }
    }

    /// A file that is not a segment is refused outright.
    @Test func refusesAFileWithoutTheSegmentHeader() {
        #expect(WALScanner.scan(Array("hello".utf8)).stopReason == "bad segment header")
    }
}
