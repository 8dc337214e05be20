import ApusModel
import ApusStoreCore
import ApusTesting
@testable import ApusStore
import Foundation
import Testing

/// Block parts: written from blocks, read back block by block through the cache, they deliver
/// exactly the rows and values they were given, for every request shape.
struct BlockPartTests {
    static let day0 = Int32(1_735_689_600_000 / 86_400_000)
    static let allDays = (day0 - 1)...(day0 + 10)

    /// A snapshot over one block part per day (for reading parts through `ScanRows`).
    struct PartsSnapshot: EventSnapshot {
        let project: Int64 = 1
        let parts: [BlockPart]
        let ids: any EventSnapshot

        func days(in range: ClosedRange<Int32>) -> [Int32] { parts.map(\.day).filter(range.contains) }
        func distinctId(of uid: UInt32) -> String { ids.distinctId(of: uid) }
        func uid(of distinctId: String) -> UInt32? { ids.uid(of: distinctId) }
        var profiles: ProfileTables { ids.profiles }
        var identity: IdentityGraph { ids.identity }
        var deletions: DataDeletions { ids.deletions }
        func scan(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor {
            var out: [EventBlock] = []
            for part in parts {
                for i in part.blocks(for: request) { if let b = try part.block(i, request) { out.append(b) } }
            }
            return .over(out)
        }
    }

    /// Loads `events` into the reference store, writes one part per day in blocks of
    /// `blockRows`, and opens them.
    static func written(_ events: [Event], blockRows: Int, dir: TempDirectory, cache: BlockCache) async throws -> (reference: any EventSnapshot, parts: PartsSnapshot) {
        let store = InMemoryEventStore()
        try store.openProject(1)
        _ = try await store.append(events: events, to: 1, receivedMs: 0)
        let reference = try store.snapshot(of: 1)
        var parts: [BlockPart] = []
        for day in reference.days(in: allDays) {
            var blocks: [EventBlock] = []
            let cursor = try reference.scan(.everything(days: day...day))
            while let b = try cursor.next() {
                for start in stride(from: 0, to: b.count, by: blockRows) {
                    blocks.append(b.selecting(Array(start..<min(b.count, start + blockRows))))
                }
            }
            let path = dir.path + "/\(day).part"
            try BlockPartWriter(project: 1, day: day, fs: POSIXFileSystem()).write(blocks, to: path)
            parts.append(try BlockPart(path: path, fs: POSIXFileSystem(), cache: cache))
        }
        return (reference, PartsSnapshot(parts: parts, ids: reference))
    }

    static let requests: [(String, ScanRequest)] = [
        ("everything", .everything(days: allDays)),
        ("names", ScanRequest(days: allDays, eventNames: ["Bought", "Ünïcødé ✓", "Never Sent"], seqs: true)),
        ("time range", ScanRequest(days: allDays, timeMs: 1_735_689_600_000 + 40_000_000 ..< 1_735_689_600_000 + 200_000_000,
                                   properties: .keys(["amount"]), insertIds: true, seqs: true)),
        ("uids", ScanRequest(days: allDays, uids: 3..<11, properties: .keys(["plan", "tags", "meta"]), keyOrder: true)),
        ("some keys", ScanRequest(days: (day0 + 1)...(day0 + 2), properties: .keys(["amount", "no such key", "tags"]), seqs: true)),
        ("all keys, no order", ScanRequest(days: allDays, properties: .all)),
        ("no columns", ScanRequest(days: allDays)),
    ]

    /// Every request delivers from the parts what the reference delivers, row for row.
    @Test(arguments: [1, 2, 3, 4] as [UInt64], [7, 100, 65_536])
    func deliversWhatItWasGiven(seed: UInt64, blockRows: Int) async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var workload = MixedWorkload(seed: seed)
        let (reference, parts) = try await Self.written(workload.events(900), blockRows: blockRows, dir: dir, cache: BlockCache(bytesMax: 1 << 20))
        for (label, request) in Self.requests {
            let want = try ScanRows.collect(reference, request)
            let got = try ScanRows.collect(parts, request)
            #expect(got.problems.isEmpty, "\(label): \(got.problems.prefix(3))")
            #expect(got.rows.count == want.rows.count, "\(label)")
            if let i = zip(want.rows, got.rows).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(label) seed \(seed) blocks of \(blockRows): row \(i)\n want \(want.rows[i])\n got  \(got.rows[i])")
            }
        }
    }

    /// Opening reads the footer only; a scan reads only the chunks of the columns it asks for,
    /// once, and skips blocks whose ranges or names rule them out.
    @Test func readsOnlyWhatAScanNeeds() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let cache = BlockCache(bytesMax: 64 << 20)
        var workload = MixedWorkload(seed: 5)
        workload.days = 1
        let (_, parts) = try await Self.written(workload.events(600), blockRows: 50, dir: dir, cache: cache)
        let part = try #require(parts.parts.first)
        #expect(cache.usage.misses == 0)
        #expect(part.blockCount == (part.rowCount + 49) / 50 && part.blockCount > 5)
        let all = part.blocks(for: ScanRequest(days: Self.allDays))
        for i in all { _ = try part.block(i, ScanRequest(days: Self.allDays)) }
        #expect(cache.usage.misses == 3 * all.count, "uids, times and names of each block")
        for i in all { _ = try part.block(i, ScanRequest(days: Self.allDays)) }
        #expect(cache.usage.misses == 3 * all.count && cache.usage.hits == 3 * all.count)
        let few = part.blocks(for: ScanRequest(days: Self.allDays, uids: 0..<2))
        #expect(!few.isEmpty && few.count < all.count)
        #expect(part.blocks(for: ScanRequest(days: Self.allDays, eventNames: ["Never Sent"])).isEmpty)
        #expect(part.blocks(for: ScanRequest(days: (Self.day0 + 1)...(Self.day0 + 1))).isEmpty)
        #expect(part.eventNames.map(\.rows).reduce(0, +) == part.rowCount)
        #expect(Set(part.propertyKeys.map(\.key)).isSuperset(of: ["plan", "amount"]))
    }

    /// A damaged byte anywhere is found: in the footer when opening, in a chunk when read.
    @Test func findsDamage() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var workload = MixedWorkload(seed: 6)
        workload.days = 1
        let (_, parts) = try await Self.written(workload.events(300), blockRows: 100, dir: dir, cache: BlockCache(bytesMax: 1 << 20))
        let path = try #require(parts.parts.first).path
        let good = try POSIXFileSystem().readAll(path)
        for offset in [10, good.count / 3, good.count - 40, good.count - 12] {
            var bad = good
            bad[offset] ^= 0x04
            try Data(bad).write(to: URL(fileURLWithPath: path))
            let error = Self.damage(path)
            #expect(error?.code == .partDamaged, "damage at byte \(offset) of \(good.count)")
            #expect(error?.message.contains(path) == true)
        }
    }

    /// The error reading the whole part gives, if any.
    static func damage(_ path: String) -> StoreError? {
        do throws(StoreError) {
            let part = try BlockPart(path: path, fs: POSIXFileSystem(), cache: BlockCache(bytesMax: 1 << 20))
            let request = ScanRequest.everything(days: allDays)
            for i in part.blocks(for: request) { _ = try part.block(i, request) }
            return nil
        } catch {
            return error
        }
    }

    /// A forged footer (damaged, then given a valid checksum) is refused or read safely, never
    /// a crash: every count, range and offset is checked before use.
    @Test func forgedFootersNeverCrashTheReader() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var workload = MixedWorkload(seed: 8)
        workload.days = 1
        let (_, parts) = try await Self.written(workload.events(200), blockRows: 50, dir: dir, cache: BlockCache(bytesMax: 1 << 20))
        let path = try #require(parts.parts.first).path
        let good = try POSIXFileSystem().readAll(path)
        let footerBytes = good.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: good.count - 16, as: UInt32.self))) }
        let footerStart = good.count - 16 - footerBytes
        var rng = SeededRandom(seed: 21)
        var refused = 0
        for _ in 0..<400 {
            var bad = good
            for _ in 0..<(1 + rng.next() % 3) {
                let at = footerStart + Int(rng.next() % UInt64(footerBytes))
                bad[at] = rng.next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: rng.next())
            }
            let crc = CRC32C.checksum(Array(bad[footerStart..<(footerStart + footerBytes)]))
            withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bad[good.count - 12 + i] = $0[i] } }
            try Data(bad).write(to: URL(fileURLWithPath: path))
            if Self.damage(path) != nil { refused += 1 }
        }
        #expect(refused > 100)
    }

    /// A part of the first format is refused with an error that names its version.
    @Test func refusesTheOldFormatByName() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/old.part"
        try Data(Array("APUSPRT1".utf8) + [UInt8](repeating: 0, count: 40) + Array("APUSPRT1".utf8)).write(to: URL(fileURLWithPath: path))
        let error = Self.damage(path)
        #expect(error?.code == .partFormatUnsupported)
        #expect(error?.message.contains("version 1") == true)
    }

    /// Numbers round-trip bit for bit, as scaled integers where exact and doubles otherwise.
    @Test func numbersRoundTripExactly() throws {
        var rng = SeededRandom(seed: 11)
        let cases: [[Double]] = [
            [0, 1, 2, 3], [0.1, 0.25, 19.99, -3.5], [-0.0, 1], [1e300, -1e-300, 5e-324], [9_007_199_254_740_992, 1],
            [123_456.789_012, 0.000_001], (0..<500).map { _ in Double(rng.next() % 1_000_000) / 100 },
            (0..<500).map { _ in Double(bitPattern: rng.next() >> 2) }, [],
        ]
        for values in cases {
            var w = BinaryWriter()
            BlockChunks.encodeNumbers(values, into: &w)
            let back: [Double] = try w.bytes.withUnsafeBytes { buf in
                var r = BinaryReader(buf)
                return try BlockChunks.decodeNumbers(&r, count: values.count)
            }
            #expect(back.map(\.bitPattern) == values.map(\.bitPattern), "\(values.prefix(4))")
        }
        #expect(BlockChunks.scaled([0.1, 0.25, 19.99])?.0 == 2)
        #expect(BlockChunks.scaled([-0.0]) == nil)
    }

    /// Insert ids come back exactly; UUIDs in the usual spellings take 16 bytes, others stay text.
    @Test func insertIdsRoundTripAndUUIDsTakeSixteenBytes() throws {
        let ids = ["0f8fad5bd9cb469fa16570867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5b-d9cb-469f-a165-70867728950e",
                   "0F8FAD5BD9CB469FA16570867728950E", "0F8fad5b-d9cb-469f-a165-70867728950e", "", "short",
                   "0f8fad5b-d9cb-469f-a165-70867728950e-", "g0000000-0000-0000-0000-000000000000", "0f8fad5b_d9cb-469f-a165-70867728950e", "ünï"]
        var column = StringColumn()
        for id in ids { column.append(id) }
        var w = BinaryWriter()
        InsertIdChunk.encode(column, into: &w)
        let back: StringColumn = try w.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            let c = try InsertIdChunk.decode(&r, count: ids.count)
            let atEnd = r.isAtEnd
            #expect(atEnd)
            return c
        }
        #expect((0..<ids.count).map { back[$0] } == ids)
        let text = ids.dropFirst(4).reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(w.bytes.count == 1 + (ids.count * 3 + 7) / 8 + 4 * 16 + text)
    }

    /// A block whose insert ids are none of them UUIDs reads back as its text, row for row.
    @Test func insertIdsWithoutUUIDsRoundTrip() throws {
        let ids = ["16-10000001", "", "short", "ünï", "16-10000002"]
        var column = StringColumn()
        for id in ids { column.append(id) }
        var w = BinaryWriter()
        InsertIdChunk.encode(column, into: &w)
        let back = try w.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            return try InsertIdChunk.decode(&r, count: ids.count)
        }
        #expect((0..<ids.count).map { back[$0] } == ids)
        #expect(back == column)
    }

    /// 64-bit bit-packing round-trips at every width.
    @Test func bitPacking64RoundTripsAtEveryWidth() throws {
        var rng = SeededRandom(seed: 3)
        for width in 0...64 {
            let values = (0..<77).map { _ in width == 0 ? 0 : rng.next() >> UInt64(64 - width) }
            var w = BinaryWriter()
            BitPacking64.encode(values, width: width, into: &w)
            #expect(w.bytes.count == 1 + (77 * width + 7) / 8)
            let back: [UInt64] = try w.bytes.withUnsafeBytes { buf in
                var r = BinaryReader(buf)
                return try BitPacking64.decode(&r, count: 77)
            }
            #expect(back == values, "width \(width)")
        }
    }
}
