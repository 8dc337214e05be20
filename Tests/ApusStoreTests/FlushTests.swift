import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Logging
import Testing

struct FlushTests {
    let logger = Logger(label: "test")
    static let base: Int64 = 1_735_689_600_000

    func events(_ range: Range<Int>) -> [Event] {
        range.map { i in
            Event(name: i % 2 == 0 ? "Even" : "Odd", distinctId: "u\(i % 5)", timeMs: Self.base + Int64(i) * 3_600_000,
                  insertId: "id\(i)", properties: [JSONMember("i", .number(Double(i)))])
        }
    }

    func allInsertIds(_ store: EmbeddedEventStore, _ project: ProjectID) throws -> [String] {
        let d0 = Int32(Self.base / 86_400_000)
        return try store.events(of: project, days: d0...(d0 + 30), names: nil).map(\.event.insertId).sorted()
    }

    /// A full memtable becomes one part per day; the WAL is trimmed; reads see the same events.
    @Test func fullMemtableFlushesIntoPartsPerDayAndTrimsTheWAL() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.flushRowsMax = 50
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        try store.openProject(1)
        for b in 0..<4 { _ = try await store.append(events: events(b * 30..<(b + 1) * 30), to: 1, receivedMs: 1) }
        store.flushAll()
        let snap = try store.projectSnapshot(of: 1)
        #expect(!snap.parts.isEmpty)
        #expect(snap.chunks.isEmpty)
        for p in snap.parts { #expect(p.verify(userCount: Int(UInt32.max)).isEmpty) }
        let expected = (0..<120).map { "id\($0)" }.sorted()
        #expect(try allInsertIds(store, 1) == expected)
        store.close()
        let walFiles = POSIXFileSystem().list(config.projectDirectory(1) + "/wal")
        #expect(walFiles.count == 1)
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(try allInsertIds(reopened, 1) == expected)
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// A flush gives every distinct id it writes a uid, durably, before the parts; the ids of a
    /// later flush continue the numbering; `apus verify` checks that parts only hold ids that
    /// have uids.
    @Test func flushAssignsEachDistinctIdOneDurableUid() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        try store.openProject(4)
        _ = try await store.append(events: events(0..<20), to: 4, receivedMs: 1)
        store.flushAll()
        let more = events(20..<22).map { e -> Event in var e = e; e.distinctId = "late-" + e.distinctId; return e }
        _ = try await store.append(events: more, to: 4, receivedMs: 2)
        store.flushAll()
        store.close()
        let ids = try UserIdDictionary(projectDirectory: config.projectDirectory(4), fs: POSIXFileSystem(), logger: logger)
        #expect(ids.count == 7)
        #expect(Set((0..<5).map { ids.uid(of: "u\($0)") }) == Set((0..<5).map { Optional(UInt32($0)) }))
        #expect(ids.uid(of: "late-u0") == 5 && ids.uid(of: "late-u1") == 6)
        let report = StoreVerifier.verify(dataDirectory: dir.path)
        #expect(report.problems.isEmpty)
        #expect(report.lines.contains { $0.hasSuffix("user ids: 7") })

        try POSIXFileSystem().remove(ids.path)
        let damaged = StoreVerifier.verify(dataDirectory: dir.path)
        #expect(damaged.problems.contains { $0.contains("the dictionary holds 0") })
    }

    /// A user-id dictionary that lost ids parts refer to (damage that looks like a torn tail)
    /// refuses to open instead of renumbering users.
    @Test func partsBeyondTheUserIdDictionaryRefuseToOpen() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(6)
            _ = try await store.append(events: events(0..<10), to: 6, receivedMs: 1)
            store.flushAll()
            store.close()
        }
        let path = UserIdDictionary.path(projectDirectory: config.projectDirectory(6))
        try POSIXFileSystem().openForWriting(path, mode: .append).truncate(to: UserIdFile.magic.count + 5)
        let error = Self.openError(config)
        #expect(error?.code == .userIdsDamaged)
        #expect(error?.message.contains("refers to uid") == true)
    }

    static func openError(_ config: StoreConfiguration) -> StoreError? {
        do throws(StoreError) {
            _ = try EmbeddedEventStore(configuration: config, logger: Logger(label: "test"))
            return nil
        } catch {
            return error
        }
    }

    /// A flush whose mark landed is kept even if a step after it fails (no rollback that would
    /// delete the only copy).
    @Test func aFlushWhoseMarkLandedKeepsItsParts() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let fs = FaultyFileSystem(seed: 4)
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.fileSystem = fs
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        try store.openProject(8)
        _ = try await store.append(events: events(0..<5), to: 8, receivedMs: 1)
        store.flushAll()
        _ = try await store.append(events: events(5..<10), to: 8, receivedMs: 1)
        // The project folder's fsync fails: the second flush writes its part (no new user ids,
        // so nothing else syncs that folder), the mark's rename happens, the fsync after it fails.
        fs.failDirectorySyncs(of: config.projectDirectory(8))
        store.flushAll()
        fs.failDirectorySyncs(of: nil)
        #expect(try store.projectSnapshot(of: 8).parts.count == 2)
        store.close()
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(try allInsertIds(reopened, 8) == (0..<10).map { "id\($0)" }.sorted())
    }

    /// WAL segments wholly below the flush mark (a stop before the trim) are deleted at the
    /// next start without being read.
    @Test func segmentsBelowTheFlushMarkAreDeletedUnread() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(5)
            _ = try await store.append(events: events(0..<10), to: 5, receivedMs: 1)
            store.flushAll()
            _ = try await store.append(events: events(10..<12), to: 5, receivedMs: 2)
            store.close()
        }
        let walDir = config.projectDirectory(5) + "/wal"
        // A leftover segment the trim never removed (its bytes would not even scan).
        try Data("APUSWAL1garbage".utf8).write(to: URL(fileURLWithPath: walDir + "/" + WriteAheadLog.segmentName(0)))
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(!POSIXFileSystem().list(walDir).contains(WriteAheadLog.segmentName(0)))
        #expect(try allInsertIds(reopened, 5) == (0..<12).map { "id\($0)" }.sorted())
    }

    /// A part written by a flush that never set its mark is removed on open and its rows come
    /// back from the WAL exactly once.
    @Test func partsOfAnUnfinishedFlushAreDroppedAndReplayedOnce() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(2)
            _ = try await store.append(events: events(0..<10), to: 2, receivedMs: 1)
            store.close()
        }
        // Simulate a crash after a part was written but before the flush mark moved.
        let stored = events(0..<10).enumerated().map { StoredEvent(seq: UInt64($0.offset + 1), event: $0.element) }
        let day0 = stored.filter { $0.day == stored[0].day }
        let partsDir = config.projectDirectory(2) + "/parts"
        try POSIXFileSystem().makeDirectories(partsDir)
        let name = PartFileName.make(projectId: 2, day: day0[0].day, minSeq: 1, maxSeq: UInt64(day0.count))
        var builder = EventBlockBuilder(day: day0[0].day, request: .everything(days: day0[0].day...day0[0].day))
        for e in day0 { builder.append(uid: 0, seq: e.seq, event: e.event) }
        try BlockPartWriter(project: 2, day: day0[0].day, fs: POSIXFileSystem()).write([builder.build()], to: partsDir + "/" + name)
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(try reopened.projectSnapshot(of: 2).parts.isEmpty)
        #expect(try allInsertIds(reopened, 2) == (0..<10).map { "id\($0)" }.sorted())
    }

    /// Profile updates survive a flush (moved to the update log) and a restart, in order.
    @Test func profileUpdatesMoveToTheUpdateLogOnFlush() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        try store.openProject(3)
        _ = try await store.append(updates: [Array(#"{"$set":{"a":1}}"#.utf8)], kind: .user, to: 3, receivedMs: 5)
        _ = try await store.append(events: events(0..<3), to: 3, receivedMs: 6)
        _ = try await store.append(updates: [Array(#"{"$set":{"a":2}}"#.utf8)], kind: .group, to: 3, receivedMs: 7)
        store.flushAll()
        store.close()
        let scan = WALScanner.scan(try POSIXFileSystem().readAll(ProfileUpdateLog.path(config.projectDirectory(3))))
        #expect(scan.stopReason == nil)
        #expect(scan.frames.map(\.kind) == [.userUpdates, .groupUpdates])
        #expect(scan.frames.map(\.firstSeq) == [1, 5])
        #expect(scan.frames.map(\.receivedMs) == [5, 7])
    }

    /// Many small flushes of one day merge in the background; no event is lost or doubled.
    @Test func smallPartsOfADayMergeWithoutLosingOrDoublingEvents() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.flushRowsMax = 1_000_000
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { store.close() }
        try store.openProject(4)
        var expected: [String] = []
        for round in 0..<8 {
            let batch = (0..<20).map { i in
                Event(name: "E", distinctId: "u\(i)", timeMs: Self.base + Int64(round * 20 + i), insertId: "r\(round)i\(i)", properties: [])
            }
            expected += batch.map(\.insertId)
            _ = try await store.append(events: batch, to: 4, receivedMs: 1)
            _ = try await store.append(events: Array(batch.prefix(3)), to: 4, receivedMs: 1)  // resent duplicates
            store.flushAll()
        }
        let parts = try store.projectSnapshot(of: 4).parts
        #expect(parts.count < 8)
        #expect(try allInsertIds(store, 4) == expected.sorted())
    }

    /// A flush that failed is not retried before the delay has passed on the store's clock
    /// (an injected one here), then is, and nothing was lost meanwhile.
    @Test func aFailedFlushIsRetriedOnlyAfterTheDelayOnTheStoresClock() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let fs = FaultyFileSystem(seed: 2)
        let clock = ManualClock(ms: 1_800_000_000_000)
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.fileSystem = fs
        config.clock = clock
        config.flushRowsMax = 10
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { store.close() }
        try store.openProject(3)
        fs.failDirectorySyncs(of: config.projectDirectory(3) + "/parts")
        _ = try await store.append(events: events(0..<10), to: 3, receivedMs: 1)
        store.waitForBackgroundWork()
        fs.failDirectorySyncs(of: nil)
        #expect(try store.projectSnapshot(of: 3).parts.isEmpty, "the first flush failed")

        _ = try await store.append(events: events(10..<20), to: 3, receivedMs: 1)
        store.waitForBackgroundWork()
        #expect(try store.projectSnapshot(of: 3).parts.isEmpty, "no retry before the delay")

        clock.advance(byMs: config.flushRetryDelayMs + 1)
        _ = try await store.append(events: events(20..<21), to: 3, receivedMs: 1)
        store.waitForBackgroundWork()
        let snapshot = try store.projectSnapshot(of: 3)
        #expect(!snapshot.parts.isEmpty, "retried once the delay passed")
        #expect(snapshot.chunks.isEmpty)
        #expect(try allInsertIds(store, 3) == (0..<21).map { "id\($0)" }.sorted())
    }
}

struct StoreConcurrencyTests {
    let logger = Logger(label: "test")

    func batch(_ tag: Int, _ n: Int) -> [Event] {
        (0..<n).map { Event(name: "E", distinctId: "u\($0)", timeMs: FlushTests.base + Int64($0), insertId: "t\(tag)-\($0)", properties: []) }
    }

    /// Regression: the first requests for a new project arriving together must share one log,
    /// not each create (and truncate) its first segment.
    @Test func concurrentFirstAppendsToANewProjectAllSurviveRestart() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for t in 0..<8 {
                    group.addTask {
                        try store.openProject(9)
                        _ = try await store.append(events: self.batch(t, 5), to: 9, receivedMs: 1)
                    }
                }
                try await group.waitForAll()
            }
            store.close()
        }
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        let day = Int32(FlushTests.base / 86_400_000)
        #expect(try reopened.events(of: 9, days: day...day, names: nil).count == 40)
    }

    /// Regression: a size rotation and a flush rotation in the same commit round must not list a
    /// segment twice (which let the WAL trim delete a live segment).
    @Test func rotationBySizeAndByFlushInOneRoundLosesNothing() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.walSegmentBytesMax = 1
        config.flushRowsMax = 7
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(1)
            for t in 0..<12 { _ = try await store.append(events: batch(t, 4), to: 1, receivedMs: 1) }
            store.flushAll()
            for t in 12..<15 { _ = try await store.append(events: batch(t, 4), to: 1, receivedMs: 1) }
            store.close()
        }
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        let day = Int32(FlushTests.base / 86_400_000)
        #expect(try reopened.events(of: 1, days: day...day, names: nil).count == 60)
    }
}

struct ProfileUpdateLogTests {
    let logger = Logger(label: "test")

    func frames(_ seqs: [UInt64]) -> [UInt8] {
        var bytes = WALSegmentHeader.magic
        for s in seqs { bytes += WALPayload(kind: .userUpdates, receivedMs: 1, records: [Array(#"{"$set":{"a":1}}"#.utf8)]).frame(firstSeq: s) }
        return bytes
    }

    /// An append cut short by a crash is removed; the frames before it stay.
    @Test func aTornAppendIsCutOff() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let full = frames([1, 2, 3])
        try Data(full.dropLast(5)).write(to: URL(fileURLWithPath: ProfileUpdateLog.path(dir.path)))
        try ProfileUpdateLog.recover(directory: dir.path, flushedThrough: 3, fs: POSIXFileSystem(), logger: logger)
        #expect(WALScanner.scan(try POSIXFileSystem().readAll(ProfileUpdateLog.path(dir.path))).frames.map(\.firstSeq) == [1, 2])
    }

    /// Frames at or past the flush mark (an unfinished flush) are cut; they are still in the WAL.
    @Test func framesPastTheMarkAreCut() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        try Data(frames([1, 2, 3])).write(to: URL(fileURLWithPath: ProfileUpdateLog.path(dir.path)))
        try ProfileUpdateLog.recover(directory: dir.path, flushedThrough: 2, fs: POSIXFileSystem(), logger: logger)
        #expect(WALScanner.scan(try POSIXFileSystem().readAll(ProfileUpdateLog.path(dir.path))).frames.map(\.firstSeq) == [1])
    }

    /// A damaged whole frame below the mark is the only copy of acknowledged updates: refuse.
    @Test func damageBelowTheMarkRefusesToOpen() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var bytes = frames([1, 2, 3])
        bytes[WALSegmentHeader.magic.count + 10] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: ProfileUpdateLog.path(dir.path)))
        #expect(throws: StoreError.self) { try ProfileUpdateLog.recover(directory: dir.path, flushedThrough: 4, fs: POSIXFileSystem(), logger: logger) }
        #expect(try POSIXFileSystem().readAll(ProfileUpdateLog.path(dir.path)) == bytes)
    }
}

struct SnapshotConsistencyTests {
    /// While appends, flushes and merges run, every read sees each acknowledged event exactly
    /// once, and never fewer events than a read before it.
    @Test func readsDuringFlushesNeverLoseOrDoubleEvents() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.flushRowsMax = 300
        let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "test"))
        defer { store.close() }
        try store.openProject(1)
        let day = Int32(FlushTests.base / 86_400_000)
        let writer = Task {
            var acked = 0
            for b in 0..<60 {
                let events = (0..<50).map { i in
                    Event(name: "E", distinctId: "u\(i % 9)", timeMs: FlushTests.base + Int64(b * 50 + i), insertId: "b\(b)i\(i)", properties: [])
                }
                _ = try await store.append(events: events, to: 1, receivedMs: 1)
                acked += 50
            }
            return acked
        }
        var last = 0
        for _ in 0..<200 {
            let ids = try store.events(of: 1, days: day...day, names: nil).map(\.event.insertId)
            #expect(Set(ids).count == ids.count, "a read saw an event twice")
            #expect(ids.count >= last, "a read saw fewer events than the one before")
            last = ids.count
            await Task.yield()
        }
        let acked = try await writer.value
        store.flushAll()
        #expect(try store.events(of: 1, days: day...day, names: nil).count == acked)
        #expect(try store.projectSnapshot(of: 1).parts.count >= 1)
    }

}

/// Text is stored as its bytes: canonically equivalent spellings (é as one code point, and as e
/// plus a combining accent) are different names, keys and values, as JavaScript and Mixpanel see
/// them, through the memtable, a flush and a merge.
struct ByteExactTextTests {
    @Test func equivalentSpellingsStayApartInPartsAndMerges() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "test"))
        defer { store.close() }
        try store.openProject(1)
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        let base = FlushTests.base
        func event(_ i: Int, _ text: String) -> Event {
            Event(name: text, distinctId: "u\(i % 2)", timeMs: base + Int64(i) * 1000, insertId: "id\(i)",
                  properties: [JSONMember(text, .string(text)), JSONMember("v", .string(text))])
        }
        let day = Int32(base / 86_400_000)
        func stored() throws -> [(String, [UInt8])] {
            try store.events(of: 1, days: day...day, names: nil).map { s in
                (s.event.insertId, Array(s.event.name.utf8) + [0] + s.event.properties.flatMap { Array($0.key.utf8) + [1] + Array(($0.value.stringValue ?? "").utf8) + [2] })
            }.sorted { $0.0 < $1.0 }
        }
        _ = try await store.append(events: (0..<4).map { event($0, $0 % 2 == 0 ? composed : decomposed) }, to: 1, receivedMs: 1)
        let expected = try stored()
        #expect(expected.count == 4)
        #expect(Set(expected.map(\.1)).count == 2)
        store.flushAll()
        #expect(try stored().map(\.1) == expected.map(\.1))
        _ = try await store.append(events: (4..<8).map { event($0, $0 % 2 == 0 ? composed : decomposed) }, to: 1, receivedMs: 2)
        store.flushAll()
        store.compactAll()
        let merged = try stored()
        #expect(merged.count == 8)
        #expect(Set(merged.map(\.1)).count == 2)
        #expect(Array(merged.prefix(4).map(\.1)) == expected.map(\.1))
    }
}
