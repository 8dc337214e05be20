import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

/// Pins the WAL bytes: a format change without a version bump fails here.
struct WALGoldenTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/wal-v1-golden.wal")

    static func goldenSegment() -> [UInt8] {
        let events = [
            Event(name: "Signed Up", distinctId: "u-1", timeMs: 1_735_689_600_123, insertId: "a1",
                  properties: [JSONMember("plan", .string("pro")), JSONMember("seats", .number(3)),
                               JSONMember("ratio", .number(0.25)), JSONMember("tags", .array([.string("x"), .null])),
                               JSONMember("ok", .bool(true)), JSONMember("nested", .object([JSONMember("k", .bool(false))]))]),
            Event(name: "Ünïcode ✓", distinctId: "", timeMs: -1, insertId: "b2", properties: []),
        ]
        var bytes = WALSegmentHeader.magic
        bytes += WALPayload(receivedMs: 1_735_689_601_000, events: events).frame(firstSeq: 1)
        bytes += WALPayload(kind: .userUpdates, receivedMs: 1_735_689_602_000,
                            records: [Array(#"{"$distinct_id":"u-1","$set":{"a":1}}"#.utf8)]).frame(firstSeq: 3)
        return bytes
    }

    /// Writing the fixture's records reproduces the committed file byte for byte.
    @Test func writingReproducesTheGoldenSegment() throws {
        if ProcessInfo.processInfo.environment["APUS_RECORD_GOLDEN"] == "1" {
            try Data(Self.goldenSegment()).write(to: Self.fixture)
        }
        let golden = try [UInt8](Data(contentsOf: Self.fixture))
        #expect(Self.goldenSegment() == golden)
    }

    /// Reading the committed file gives the fixture's frames and events.
    @Test func readingTheGoldenSegmentGivesItsRecords() throws {
        let scan = WALScanner.scan(try [UInt8](Data(contentsOf: Self.fixture)))
        #expect(scan.stopReason == nil)
        #expect(scan.frames.map(\.firstSeq) == [1, 3])
        #expect(scan.frames.map(\.kind) == [.events, .userUpdates])
        let first = try EventCodec.decode(scan.frames[0].records[0])
        #expect(first.name == "Signed Up" && first.timeMs == 1_735_689_600_123 && first.properties.count == 6)
        #expect(String(decoding: scan.frames[1].records[0], as: UTF8.self) == #"{"$distinct_id":"u-1","$set":{"a":1}}"#)
    }
}
