import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

/// Pins the part bytes: a format change without a version bump fails here.
struct PartGoldenTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/part-v2-golden.part")
    static let day = Int32(20_089)
    static let t0 = Int64(day) * 86_400_000

    /// Rows covering every chunk encoding: runs of uids, dictionary and plain strings, scaled
    /// and raw numbers, booleans, nulls, lists, objects, a key with several types, key order, and
    /// a zstd-compressed chunk (the long insert id).
    static func rows() -> [(uid: UInt32, seq: UInt64, event: Event)] {
        [
            (0, 3, Event(name: "Signed Up", distinctId: "", timeMs: t0 + 1_000, insertId: "a1",
                         properties: [JSONMember("plan", .string("pro")), JSONMember("price", .number(19.99)),
                                      JSONMember("ok", .bool(true)), JSONMember("tags", .array([.string("x"), .null]))])),
            (0, 1, Event(name: "Viewed", distinctId: "", timeMs: t0 + 1_500, insertId: "0f8fad5bd9cb469fa16570867728950e",
                         properties: [JSONMember("price", .string("free")), JSONMember("plan", .string("pro")),
                                      JSONMember("ratio", .number(1e-300)), JSONMember("meta", .object([JSONMember("k", .null)]))])),
            (2, 2, Event(name: "Ünïcode ✓", distinctId: "", timeMs: t0 + 86_399_999, insertId: String(repeating: "c3-", count: 40),
                         properties: [JSONMember("ok", .null), JSONMember("price", .number(-3))])),
        ]
    }

    static func blocks() -> [EventBlock] {
        var builder = EventBlockBuilder(day: day, request: .everything(days: day...day))
        for r in rows() { builder.append(uid: r.uid, seq: r.seq, event: r.event) }
        let block = builder.build()
        return [block.selecting([0, 1]), block.selecting([2])]
    }

    /// Writing the fixture's rows reproduces the committed file byte for byte.
    @Test func writingReproducesTheGoldenPart() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/golden.part"
        try BlockPartWriter(project: 42, day: Self.day, fs: POSIXFileSystem()).write(Self.blocks(), to: path)
        let written = try POSIXFileSystem().readAll(path)
        if ProcessInfo.processInfo.environment["APUS_RECORD_GOLDEN"] == "1" {
            try Data(written).write(to: Self.fixture)
        }
        #expect(written == (try [UInt8](Data(contentsOf: Self.fixture))))
    }

    /// Reading the committed file gives the fixture's rows, values and key order.
    @Test func readingTheGoldenPartGivesItsRows() throws {
        let part = try BlockPart(path: Self.fixture.path, fs: POSIXFileSystem(), cache: BlockCache(bytesMax: 1 << 20))
        #expect(part.day == Self.day && part.rowCount == 3 && part.blockCount == 2 && part.minSeq == 1 && part.maxSeq == 3)
        #expect(part.verify(userCount: 3).isEmpty)
        let request = ScanRequest.everything(days: Self.day...Self.day)
        var got: [(UInt32, UInt64, Event)] = []
        for i in 0..<part.blockCount {
            let b = try #require(try part.block(i, request))
            for r in 0..<b.count {
                let props = b.keyOrder!.shapes[Int(b.keyOrder!.shapeOfRow[r])].map { k in
                    JSONMember(b.propertyKeys[Int(k)], b.properties[Int(k)].value(at: r)!)
                }
                got.append((b.uids[r], b.seqs[r], Event(name: b.names[Int(b.nameIds[r])], distinctId: "", timeMs: b.timesMs[r],
                                                          insertId: b.insertIds[r], properties: props)))
            }
        }
        let want = Self.rows()
        #expect(got.map(\.0) == want.map(\.uid) && got.map(\.1) == want.map(\.seq))
        #expect(got.map(\.2) == want.map(\.event))
    }
}
