import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Logging
import Testing

struct EmbeddedEventStoreTests {
    let logger = Logger(label: "test")

    func event(_ i: Int, insert: String? = nil, name: String = "Played", ms: Int64 = 1_735_689_600_000) -> Event {
        Event(name: name, distinctId: "u\(i % 3)", timeMs: ms + Int64(i) * 1000, insertId: insert ?? "id\(i)",
              properties: [JSONMember("i", .number(Double(i)))])
    }

    /// Appended events are readable at once, in storage order, and survive a reopen.
    @Test func appendedEventsAreReadableAndSurviveRestart() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let day = Int32(1_735_689_600_000 / 86_400_000)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(7)
            let r1 = try await store.append(events: (0..<5).map { event($0) }, to: 7, receivedMs: 1)
            let r2 = try await store.append(events: (5..<9).map { event($0) }, to: 7, receivedMs: 2)
            #expect(r1 == AppendReceipt(firstSeq: 1, count: 5))
            #expect(r2 == AppendReceipt(firstSeq: 6, count: 4))
            let got = try store.events(of: 7, days: day...day, names: nil)
            #expect(got.count == 9)
            let snapshot = try store.snapshot(of: 7)
            let keys = got.map { (snapshot.uid(of: $0.event.distinctId)!, $0.event.timeMs, $0.seq) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 })
            store.close()
        }
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        let got = try reopened.events(of: 7, days: day...day, names: nil)
        #expect(Set(got.map(\.event.insertId)) == Set((0..<9).map { "id\($0)" }))
        let r3 = try await reopened.append(events: [event(20)], to: 7, receivedMs: 3)
        #expect(r3.firstSeq == 10)
    }

    /// The same (event, distinct id, second, insert id) counts once, the later copy winning.
    @Test func duplicatesCountOnceAndTheLastCopyWins() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: logger)
        defer { store.close() }
        try store.openProject(1)
        var first = event(1, insert: "same")
        first.properties = [JSONMember("copy", .string("first"))]
        var second = first
        second.timeMs += 300  // same second
        second.properties = [JSONMember("copy", .string("second"))]
        var otherName = first
        otherName.name = "Other"
        _ = try await store.append(events: [first], to: 1, receivedMs: 1)
        _ = try await store.append(events: [second, otherName], to: 1, receivedMs: 2)
        let day = Int32(first.timeMs / 86_400_000)
        let got = try store.events(of: 1, days: day...day, names: nil)
        #expect(got.count == 2)
        #expect(got.first { $0.event.name == "Played" }?.event.properties == [JSONMember("copy", .string("second"))])
    }

    /// A torn frame at the end of the log is cut off on open; what came before is kept.
    @Test func recoveryCutsATornTailAndKeepsTheRest() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(3)
            _ = try await store.append(events: [event(1), event(2)], to: 3, receivedMs: 1)
            store.close()
        }
        let segment = config.projectDirectory(3) + "/wal/" + WriteAheadLog.segmentName(1)
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data(WALPayload(receivedMs: 9, events: [event(3)]).frame(firstSeq: 3).prefix(20)))
        try handle.close()
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        let day = Int32(event(1).timeMs / 86_400_000)
        #expect(try reopened.events(of: 3, days: day...day, names: nil).count == 2)
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// Damage in a segment that is not the newest stops the store from opening, naming the file.
    @Test func refusesToOpenWhenAnOlderSegmentIsDamaged() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.walSegmentBytesMax = 1
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(2)
            _ = try await store.append(events: [event(1)], to: 2, receivedMs: 1)
            _ = try await store.append(events: [event(2)], to: 2, receivedMs: 1)
            store.close()
        }
        let first = config.projectDirectory(2) + "/wal/" + WriteAheadLog.segmentName(1)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: first)))
        bytes[bytes.count - 3] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: first))
        #expect(throws: StoreError.self) { try EmbeddedEventStore(configuration: config, logger: logger) }
        #expect(!StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// Many concurrent appends each get a distinct, gap-free range of sequence numbers.
    @Test func concurrentAppendsGetDisjointSequenceRanges() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: logger)
        defer { store.close() }
        try store.openProject(1)
        let receipts = try await withThrowingTaskGroup(of: AppendReceipt.self) { group in
            for t in 0..<16 {
                group.addTask { try await store.append(events: (0..<10).map { self.event(t * 10 + $0) }, to: 1, receivedMs: 1) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let seqs = receipts.flatMap { r in (0..<UInt64(r.count)).map { r.firstSeq + $0 } }.sorted()
        #expect(seqs == Array(1...160))
    }
}
