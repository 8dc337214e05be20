// Bulk loading (`apus import`'s store side): what it writes reads back exactly as the reference
// store holds the same events; re-loading adds nothing; the WAL carries on after it; and a
// load cut short by disk faults or a crash never leaves a folder that will not open, nor half
// a generation of a day behind.

import ApusModel
import ApusStoreCore
import ApusTesting
@testable import ApusStore
import Logging
import Testing

struct BulkLoaderTests {
    let logger = Logger(label: "test")
    static let allDays = EventStoreScanTests.allDays

    func reference(_ events: [Event]) async throws -> [ScanRow] {
        let (store, _) = try await EventStoreScanTests.load(.memory, events)
        return ScanRows.canonical(try ScanRows.collect(try store.snapshot(of: 1), .everything(days: Self.allDays)).rows)
    }

    /// A seeded workload and what the reference store holds of it.
    func scenario(seed: UInt64, count: Int) async throws -> (events: [Event], want: [ScanRow]) {
        var workload = MixedWorkload(seed: seed)
        let events = workload.events(count)
        return (events, try await reference(events))
    }

    func rows(_ store: EmbeddedEventStore, project: ProjectID = 1) throws -> [ScanRow] {
        let collected = try ScanRows.collect(try store.snapshot(of: project), .everything(days: Self.allDays))
        #expect(collected.problems.isEmpty, "\(collected.problems.prefix(3))")
        return ScanRows.canonical(collected.rows)
    }

    func load(_ events: [Event], into store: EmbeddedEventStore, bufferRows: Int, batch: Int = 37) throws {
        let loader = try BulkLoader(store: store, project: 1, bufferRows: bufferRows)
        for start in stride(from: 0, to: events.count, by: batch) {
            try loader.append(Array(events[start..<min(events.count, start + batch)]))
        }
        try loader.finish()
    }

    /// Rows without sequence numbers (a second load numbers its copies anew).
    func unnumbered(_ rows: [ScanRow]) -> [ScanRow] {
        ScanRows.canonical(rows.map { var r = $0; r.seq = nil; return r })
    }

    func expectSame(_ got: [ScanRow], _ want: [ScanRow], _ label: String) {
        #expect(got.count == want.count, "\(label)")
        if let i = zip(want, got).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("\(label): row \(i)\n want \(want[i])\n got  \(got[i])")
        }
    }

    /// Seeded workloads with duplicates, mixed types and users across days, loaded in several
    /// generations: the folder holds exactly what the reference holds, one part per day.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func loadedEventsReadBackAsTheReferenceHoldsThem(seed: UInt64) async throws {
        let (events, want) = try await scenario(seed: seed, count: 900)
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try load(events, into: store, bufferRows: 250)
            expectSame(try rows(store), want, "seed \(seed), loaded")
            let parts = try store.projectSnapshot(of: 1).parts
            #expect(Set(parts.map(\.day)).count == parts.count, "one part per day after the load")
            store.close()
        }
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        expectSame(try rows(reopened), want, "seed \(seed), reopened")
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// A load that fits one generation writes each day once and never merges it, so the
    /// loader's own dedupe alone must keep exactly the latest copy of each re-sent event.
    @Test(arguments: [4, 5] as [UInt64])
    func aLoadInOneGenerationKeepsOnlyTheLatestCopyOfEachEvent(seed: UInt64) async throws {
        let (events, want) = try await scenario(seed: seed, count: 1_500)
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: logger)
        defer { store.close() }
        try load(events, into: store, bufferRows: 100_000)
        #expect(want.count < events.count, "the workload re-sends events")
        expectSame(try rows(store), want, "seed \(seed), one generation")
        let parts = try store.projectSnapshot(of: 1).parts
        #expect(Set(parts.map(\.day)).count == parts.count, "one part per day")
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// The loader's radix sort orders a day's rows as sorting by (key, seq) does: many ties,
    /// keys that differ only in a few bytes, and rows that are not in seq order (which take
    /// the comparison sort).
    @Test(arguments: [1, 2, 3] as [UInt64])
    func rowsSortByUserTimeAndSeqAsAComparisonSortOrdersThem(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        for (count, uids, spread) in [(5_000, 40, 1_000), (3_000, 1, 50), (2_000, 1 << 20, 86_400_000), (700, 9, 30)] {
            var rows: [BufferedRow] = []
            var seq: UInt64 = 1_000
            for i in 0..<count {
                seq += 1 + rng.next() % 3
                let key = (rng.next() % UInt64(uids)) << 32 | rng.next() % UInt64(spread)
                rows.append(BufferedRow(key: key, seq: seq, batch: UInt32(i / 100), offset: UInt32(i)))
            }
            for shuffledSeqs in [false, true] {
                var input = rows
                if shuffledSeqs { input.swapAt(count / 3, count / 2) }
                let want = input.sorted { $0.key != $1.key ? $0.key < $1.key : $0.seq < $1.seq }
                var got = input
                BulkLoader.sort(&got)
                #expect(got.map(\.key) == want.map(\.key) && got.map(\.seq) == want.map(\.seq) && got.map(\.offset) == want.map(\.offset),
                        "\(count) rows, \(uids) users, seqs shuffled: \(shuffledSeqs)")
            }
        }
    }

    /// A day whose events each carry a distinct request id (more than a block's sample of
    /// them) and a value from a few: both read back as the reference holds them.
    @Test func aPropertyDistinctInEveryEventReadsBackExactly() async throws {
        var events: [Event] = []
        for i in 0..<6_000 {
            events.append(Event(name: i % 4 == 0 ? "Signed Up" : "Viewed", distinctId: "user-\(i % 700)",
                                timeMs: 1_735_689_600_000 + Int64(i) * 7_000, insertId: "ins-\(i)",
                                properties: [JSONMember("request_id", .string("r-\(i * 7919 % 100_003)")),
                                             JSONMember("plan", .string(["free", "pro", "team"][i % 3])),
                                             JSONMember("n", .number(Double(i)))]))
        }
        let want = try await reference(events)
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: logger)
        defer { store.close() }
        try load(events, into: store, bufferRows: 100_000, batch: 500)
        expectSame(try rows(store), want, "distinct request ids")
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// Identity facts in imported events (a Mixpanel export carries `$device_id` and
    /// `$user_id`) join the graph as they would through `/import`, and survive a reopen.
    @Test func importedIdentityFactsJoinTheGraph() async throws {
        var events: [Event] = []
        for i in 0..<600 {
            let device = "D\(i % 37)", user = "u\(i % 11)"
            var props = [JSONMember("$device_id", .string(device))]
            if i % 3 == 0 { props.append(JSONMember("$user_id", .string(user))) }
            events.append(Event(name: i % 50 == 0 ? "$identify" : "Played", distinctId: i % 3 == 0 ? user : "$device:\(device)",
                                timeMs: 1_735_689_600_000 + Int64(i) * 600_000, insertId: "i\(i)",
                                properties: props + (i % 50 == 0 ? [JSONMember("$anon_distinct_id", .string("$device:\(device)"))] : [])))
        }
        let reference = InMemoryEventStore()
        try reference.openProject(1)
        _ = try await reference.append(events: events, to: 1, receivedMs: 0)
        let want = try reference.snapshot(of: 1).identity
        #expect(want.linkCount > 20)
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try load(events, into: store, bufferRows: 150)
            #expect(try store.snapshot(of: 1).identity == want)
            store.close()
        }
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(try reopened.snapshot(of: 1).identity == want)
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }

    /// Loading the same events again changes nothing a reader sees.
    @Test func loadingTheSameEventsTwiceAddsNothing() async throws {
        let (events, want) = try await scenario(seed: 9, count: 500)
        let dir = TempDirectory()
        defer { dir.remove() }
        let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: logger)
        defer { store.close() }
        try load(events, into: store, bufferRows: 200)
        try load(events, into: store, bufferRows: 120, batch: 51)
        expectSame(unnumbered(try rows(store)), unnumbered(want), "twice")
    }

    /// Events acknowledged before the load (still only in the WAL) and appended after it are
    /// all kept, numbered in order, across a restart.
    @Test func theWALBeforeAndAfterALoadIsKept() async throws {
        let (events, want) = try await scenario(seed: 11, count: 600)
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(1)
            _ = try await store.append(events: Array(events[0..<200]), to: 1, receivedMs: 0)
            store.close()
        }
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try load(Array(events[200..<400]), into: store, bufferRows: 90)
            let before = try store.projectSnapshot(of: 1).nextSeq
            let receipt = try await store.append(events: Array(events[400...]), to: 1, receivedMs: 0)
            #expect(receipt.firstSeq >= before)
            store.close()
        }
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        expectSame(try rows(reopened), want, "wal, load, wal")
    }

    /// Seeded disk faults during a load: it fails with an error, the folder still opens, holds
    /// whole generations of each day only (a day's rows are exactly what a load of a prefix of
    /// the events would hold of that day; the latest day of a generation is held back for the
    /// next, so days may end at different prefixes), and loading again completes it exactly.
    @Test(arguments: Array(1...12) as [UInt64])
    func aLoadCutShortByDiskFaultsLeavesAFolderThatOpensAndCanBeFinished(seed: UInt64) async throws {
        let (events, want) = try await scenario(seed: 100 + seed, count: 800)
        let dir = TempDirectory()
        defer { dir.remove() }
        let fs = FaultyFileSystem(seed: seed)
        var config = StoreConfiguration(dataDirectory: dir.path)
        config.fileSystem = fs
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            fs.setFaults(.init(writeFailure: 0.02, syncFailure: 0.05, truncateFailure: 0.3))
            do {
                try load(events, into: store, bufferRows: 150)
            } catch {
                // Most seeds fail somewhere: a part, the user ids, the mark or the WAL.
            }
            fs.setFaults(.init())
            if seed % 2 == 0 { fs.crash() }
            store.close()
        }
        config.fileSystem = POSIXFileSystem()
        do {
            let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
            // Generations end after a batch of 37 (the first to bring what is buffered, held-back
            // rows included, past 150).
            let partial = Dictionary(grouping: unnumbered(try rows(reopened)), by: \.day)
            var prefixes: [[Int32: [ScanRow]]] = []
            for end in Array(stride(from: 0, to: events.count, by: 37)) + [events.count] {
                prefixes.append(Dictionary(grouping: unnumbered(try await reference(Array(events[0..<end]))), by: \.day))
            }
            for (day, got) in partial {
                #expect(prefixes.contains { $0[day] == got },
                        "seed \(seed): day \(day) holds something other than whole generations (\(got.count) rows)")
            }
            try load(events, into: reopened, bufferRows: 400)
            expectSame(unnumbered(try rows(reopened)), unnumbered(want), "seed \(seed), finished after faults \(fs.injected.prefix(4))")
            reopened.close()
        }
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty)
    }
}
