// The committed part file Fixtures/part-v1-golden.part pins format version 1 byte for byte:
// reading it must give exactly `goldenEvents`, and writing `goldenEvents` must reproduce it.
// If an intended format change breaks this test, bump PartFormat.version, teach the reader the
// new version, and add a new fixture (keep the old one for the old version's reader).
// To create a fixture for a new version: APUS_WRITE_GOLDEN=1 swift test --filter PartGoldenTests

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct PartGoldenTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/part-v1-golden.part")

    /// 12 events covering every column form; 2024-03-01 UTC is day 19783.
    static let goldenEvents: [StoredEvent] = {
        let t = Int64(19_783) * 86_400_000
        func e(_ seq: UInt64, _ name: String, _ user: String, _ ms: Int64, _ insert: String, _ props: [JSONMember]) -> StoredEvent {
            StoredEvent(seq: seq, event: Event(name: name, distinctId: user, timeMs: t + ms, insertId: insert, properties: props))
        }
        return [
            e(1, "Sign Up", "alice", 1_000, "0f8fad5b-d9cb-469f-a165-70867728950e",
              [JSONMember("plan", .string("free")), JSONMember("price", .number(0)), JSONMember("$browser", .string("Firefox"))]),
            e(2, "Purchase", "alice", 61_500, "0F8FAD5B-D9CB-469F-A165-70867728950F",
              [JSONMember("price", .number(19.99)), JSONMember("plan", .string("pro")), JSONMember("items", .array([.string("a"), .number(2)]))]),
            e(3, "Page View", "bob", 5_000, "7d444840e1b4c1e1b8a23f2f59a7c8a1",
              [JSONMember("url", .string("https://example.com/ü")), JSONMember("flag", .bool(true))]),
            e(4, "Page View", "bob", 5_000, "client-1", [JSONMember("flag", .bool(false)), JSONMember("url", .string("/pricing"))]),
            e(5, "ëvent ✓", "", 86_399_999, "", [JSONMember("mixed", .number(1))]),
            e(6, "Page View", "", 0, "client-2", [JSONMember("mixed", .string("one")), JSONMember("meta", .object([JSONMember("k", .null)]))]),
            e(7, "Sign Up", "用户", 43_200_000, "client-3", [JSONMember("plan", .string("free")), JSONMember("plan", .string("again"))]),
            e(8, "Purchase", "用户", 43_200_001, "client-4", [JSONMember("price", .number(-0.0)), JSONMember("mixed", .null)]),
            e(9, "$identify", "e\u{301}", 7, "x", []),
            e(10, "$identify", "\u{e9}", 7, "x", [JSONMember("count", .number(-42))]),
            e(11, "Page View", "bob", 4_999, "client-5", [JSONMember("count", .number(9_007_199_254_740_991))]),
            e(12, "Purchase", "alice", 61_500, "0f8fad5b-d9cb-469f-a165-70867728950e", [JSONMember("", .string("empty key"))]),
        ]
    }()

    private func writer() -> PartWriter { PartWriter(projectId: 42, day: 19_783) }

    @Test func readingTheGoldenPartGivesTheExpectedEvents() throws {
        if ProcessInfo.processInfo.environment["APUS_WRITE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: Self.fixture)
            try writer().write(Self.goldenEvents, to: Self.fixture)
        }
        let part = try PartReader(url: Self.fixture)
        try part.verifyInvariants()
        #expect(part.metadata == PartMetadata(projectId: 42, day: 19_783, rowCount: 12, minTimeMs: 19_783 * 86_400_000,
                                              maxTimeMs: 19_783 * 86_400_000 + 86_399_999, minSeq: 1, maxSeq: 12))
        #expect(sameBytes(Array(try part.events()), referenceSorted(Self.goldenEvents)))
        #expect(try part.names == ["Page View", "ëvent ✓", "Sign Up", "Purchase", "$identify"])
    }

    @Test func writingTheGoldenEventsReproducesTheFileByteForByte() throws {
        let golden = try [UInt8](Data(contentsOf: Self.fixture))
        let written = try writer().encode(Self.goldenEvents)
        let firstDifference = zip(golden, written).enumerated().first { $1.0 != $1.1 }?.offset
        #expect(written == golden, "format changed without a version bump: first difference at byte \(firstDifference ?? min(golden.count, written.count))")
    }
}
