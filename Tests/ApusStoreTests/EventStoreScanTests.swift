import ApusModel
import ApusStoreCore
import ApusTesting
@testable import ApusStore
import Logging
import Testing

/// The scan API's behaviour, the same for every store: the embedded one (its memtable, its
/// parts, both, after a restart) must deliver exactly what the in-memory reference delivers.
struct EventStoreScanTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case memory, memtable, memtableRuns, parts, partsFromRuns, partsAndMemtable, partsAndMemtableRuns, reopened
        var testDescription: String { rawValue }
    }

    static let day0 = Int32(1_735_689_600_000 / 86_400_000)
    static let allDays = (day0 - 1)...(day0 + 10)

    /// Loads `events` into a store of `kind` (in batches) and returns it with its folder.
    static func load(_ kind: Kind, _ events: [Event]) async throws -> (any EventStore, TempDirectory?) {
        if kind == .memory {
            let store = InMemoryEventStore()
            try store.openProject(1)
            for batch in stride(from: 0, to: events.count, by: 50) {
                _ = try await store.append(events: Array(events[batch..<min(events.count, batch + 50)]), to: 1, receivedMs: 0)
            }
            return (store, nil)
        }
        let dir = TempDirectory()
        var config = StoreConfiguration(dataDirectory: dir.path)
        // A run every third batch: several are built and merged while the batches arrive, and
        // the last rows may stay in the tail.
        let runs = kind == .memtableRuns || kind == .partsAndMemtableRuns || kind == .partsFromRuns
        config.memtableRunRowsMin = runs ? 120 : Int.max
        let logger = Logger(label: "test")
        var store = try EmbeddedEventStore(configuration: config, logger: logger)
        try store.openProject(1)
        let half = events.count / 2
        for batch in stride(from: 0, to: events.count, by: 50) {
            if batch >= half && (kind == .partsAndMemtable || kind == .reopened) && store.projectSnapshotHasMemtable(1) {
                store.flushAll()
            }
            if kind == .partsAndMemtableRuns && batch >= half && batch - 50 < half { store.flushAll() }
            _ = try await store.append(events: Array(events[batch..<min(events.count, batch + 50)]), to: 1, receivedMs: 0)
            // Reads lay the memtable out in runs (in the background, for the next reads).
            if runs { _ = try store.snapshot(of: 1) }
        }
        if kind == .parts { store.flushAll() }
        if runs {
            store.waitForBackgroundWork()
            let snapshot = try store.projectSnapshot(of: 1)
            if events.count >= 300 { #expect(snapshot.runs.count >= 1, "the memtable was laid out in runs") }
        }
        if kind == .partsFromRuns {
            // The flush writes the runs' columns (and decodes only the tail).
            store.flushAll()
            #expect(try store.projectSnapshot(of: 1).chunks.isEmpty)
        }
        if kind == .reopened {
            store.close()
            store = try EmbeddedEventStore(configuration: config, logger: logger)
        }
        return (store, dir)
    }

    static let requests: [(String, ScanRequest)] = [
        ("everything", .everything(days: allDays)),
        ("names", ScanRequest(days: allDays, eventNames: ["Bought", "Ünïcødé ✓", "Never Sent"], seqs: true)),
        ("time range", ScanRequest(days: allDays, timeMs: 1_735_689_600_000 + 40_000_000 ..< 1_735_689_600_000 + 200_000_000,
                                   properties: .keys(["amount"]), insertIds: true, seqs: true)),
        ("some keys", ScanRequest(days: (day0 + 1)...(day0 + 2), properties: .keys(["amount", "no such key", "tags"]), seqs: true)),
        ("no columns", ScanRequest(days: allDays)),
    ]

    /// Every store delivers the reference's rows, deduplicated, in block order, for each request.
    @Test(arguments: Kind.allCases.filter { $0 != .memory }, [1, 2, 3] as [UInt64])
    func deliversWhatTheReferenceDelivers(kind: Kind, seed: UInt64) async throws {
        var workload = MixedWorkload(seed: seed)
        let events = workload.events(700)
        let (reference, _) = try await Self.load(.memory, events)
        let (store, dir) = try await Self.load(kind, events)
        defer { store.close(); dir?.remove() }
        for (label, request) in Self.requests {
            let expected = try ScanRows.collect(try reference.snapshot(of: 1), request)
            let actual = try ScanRows.collect(try store.snapshot(of: 1), request)
            #expect(expected.problems.isEmpty, "\(label): reference: \(expected.problems.prefix(3))")
            #expect(actual.problems.isEmpty, "\(label): \(kind): \(actual.problems.prefix(3))")
            let want = ScanRows.canonical(expected.rows), got = ScanRows.canonical(actual.rows)
            #expect(got.count == want.count, "\(label): \(kind) seed \(seed)")
            if let i = zip(want, got).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(label): \(kind) seed \(seed): row \(i)\n want \(want[i])\n got  \(got[i])")
            }
        }
    }

    /// Duplicates (same name, user, second and insert id) are delivered once, with the values
    /// of the copy ingested last.
    @Test(arguments: Kind.allCases)
    func deliversEachDuplicateOnceWithTheLatestValues(kind: Kind) async throws {
        let t: Int64 = 1_735_689_600_000 + 5_000
        let first = Event(name: "Bought", distinctId: "ann", timeMs: t, insertId: "x", properties: [JSONMember("plan", .string("old"))])
        var second = first
        second.timeMs = t + 400
        second.properties = [JSONMember("plan", .string("new"))]
        let other = Event(name: "Bought", distinctId: "ann", timeMs: t + 1000, insertId: "x", properties: [])
        let (store, dir) = try await Self.load(kind, [first, other, second])
        defer { store.close(); dir?.remove() }
        let rows = try ScanRows.collect(try store.snapshot(of: 1), .everything(days: Self.allDays)).rows
        #expect(rows.count == 2)
        #expect(rows.first { $0.timeMs / 1000 == t / 1000 }?.properties == [JSONMember("plan", .string("new"))])
    }

    /// An event-name filter compares bytes: a name spelled with a combining accent is another
    /// event than the same name precomposed (as clients and Mixpanel see them).
    @Test(arguments: Kind.allCases)
    func eventNamesFilterByTheirExactBytes(kind: Kind) async throws {
        let t: Int64 = 1_735_689_600_000 + 7_000
        let precomposed = "Caf\u{E9}", combining = "Cafe\u{301}"
        let events = (0..<40).map { i in
            Event(name: i % 2 == 0 ? precomposed : combining, distinctId: "u\(i % 3)", timeMs: t + Int64(i) * 1000, insertId: "n\(i)", properties: [])
        }
        let (store, dir) = try await Self.load(kind, events)
        defer { store.close(); dir?.remove() }
        for name in [precomposed, combining] {
            let rows = try ScanRows.collect(try store.snapshot(of: 1), .everything(days: Self.allDays, eventNames: [name])).rows
            #expect(rows.count == 20, "\(kind) \(Array(name.utf8))")
            #expect(rows.allSatisfy { $0.name.utf8.elementsEqual(name.utf8) })
        }
    }

    /// A time range applies after dedupe: a copy inside the range that lost to a later copy
    /// outside it (same second) is not delivered.
    @Test(arguments: Kind.allCases)
    func timeRangeAppliesAfterDedupe(kind: Kind) async throws {
        let t: Int64 = 1_735_689_600_000 + 86_400_000 + 10_000
        let filler = { (i: Int) in Event(name: "Other", distinctId: "f\(i)", timeMs: t + 3_600_000 + Int64(i), insertId: "f\(i)", properties: []) }
        let loser = Event(name: "Bought", distinctId: "ann", timeMs: t + 600, insertId: "x", properties: [JSONMember("v", .string("old"))])
        let winner = Event(name: "Bought", distinctId: "ann", timeMs: t + 400, insertId: "x", properties: [JSONMember("v", .string("new"))])
        // The loser is ingested first (lower seq); with 100 events the loser lands in a part and
        // the winner in the memtable for the kinds that flush half way.
        let events = [loser] + (0..<49).map(filler) + [winner] + (49..<98).map(filler)
        let (store, dir) = try await Self.load(kind, events)
        defer { store.close(); dir?.remove() }
        let day = Int32(t / 86_400_000)
        let inRange = ScanRequest(days: day...day, timeMs: (t + 500)..<(t + 2_000), properties: .all)
        #expect(try ScanRows.collect(try store.snapshot(of: 1), inRange).rows.isEmpty)
        let all = ScanRequest(days: day...day, timeMs: t..<(t + 2_000), properties: .all)
        #expect(try ScanRows.collect(try store.snapshot(of: 1), all).rows.map(\.properties) == [[JSONMember("v", .string("new"))]])
    }

    /// A key holding strings, numbers, booleans and nulls keeps a typed sub-column per type.
    @Test(arguments: Kind.allCases)
    func keepsATypedSubColumnPerType(kind: Kind) async throws {
        let values: [JSONValue] = [.string("12"), .number(12), .bool(true), .null, .array([.string("a")]), .object([])]
        let events = values.enumerated().map { i, v in
            Event(name: "E", distinctId: "u", timeMs: 1_735_689_600_000 + Int64(i) * 1000, insertId: "\(i)", properties: [JSONMember("k", v)])
        }
        let (store, dir) = try await Self.load(kind, events)
        defer { store.close(); dir?.remove() }
        let cursor = try store.snapshot(of: 1).scan(ScanRequest(days: Self.allDays, properties: .keys(["k"])))
        let block = try #require(try cursor.next())
        let k = try #require(block.property("k"))
        #expect(k.strings?.present.setCount == 1 && k.numbers?.present.setCount == 1 && k.booleans?.present.setCount == 1)
        #expect(k.nulls?.setCount == 1 && k.lists?.present.setCount == 1 && k.objects?.present.setCount == 1)
        #expect(k.present(rowCount: block.count).setCount == 6)
        #expect((0..<block.count).map { k.value(at: $0) } == values)
        #expect(try cursor.next() == nil)
    }

    /// A scan that needs neither uids nor times (a count by event) counts the same rows, with
    /// or without a name filter; blocks may then leave those columns out.
    @Test(arguments: Kind.allCases)
    func countsWithoutUidsAndTimesMatchAFullScan(kind: Kind) async throws {
        var workload = MixedWorkload(seed: 21)
        let (store, dir) = try await Self.load(kind, workload.events(500))
        defer { store.close(); dir?.remove() }
        let snapshot = try store.snapshot(of: 1)
        for names in [nil, Set(["Bought", "Ünïcødé ✓"])] as [Set<String>?] {
            func counts(_ request: ScanRequest) throws -> [String: Int] {
                var out: [String: Int] = [:]
                let cursor = try snapshot.scan(request)
                while let b = try cursor.next() {
                    #expect(b.uids.isEmpty || b.uids.count == b.count)
                    #expect(b.timesMs.isEmpty || b.timesMs.count == b.count)
                    for id in b.nameIds { out["\(b.day) \(b.names[Int(id)])", default: 0] += 1 }
                }
                return out
            }
            var lean = ScanRequest(days: Self.allDays, eventNames: names)
            lean.uidsAndTimes = false
            let full = try counts(ScanRequest(days: Self.allDays, eventNames: names))
            #expect(!full.isEmpty)
            #expect(try counts(lean) == full)
        }
    }

    /// A uid range keeps exactly the rows of those users.
    @Test(arguments: Kind.allCases)
    func uidRangeKeepsOnlyThoseUsers(kind: Kind) async throws {
        var workload = MixedWorkload(seed: 9)
        let (store, dir) = try await Self.load(kind, workload.events(400))
        defer { store.close(); dir?.remove() }
        let snapshot = try store.snapshot(of: 1)
        let all = try ScanRows.collect(snapshot, ScanRequest(days: Self.allDays, seqs: true)).rows
        let range: Range<UInt32> = 5..<17
        let some = try ScanRows.collect(snapshot, ScanRequest(days: Self.allDays, uids: range, seqs: true)).rows
        #expect(!some.isEmpty)
        #expect(some == all.filter { range.contains(snapshot.uid(of: $0.distinctId)!) })
    }
}

extension EmbeddedEventStore {
    /// Whether the project has unflushed events (tests decide when to flush).
    func projectSnapshotHasMemtable(_ project: ProjectID) -> Bool {
        (try? projectSnapshot(of: project).chunks.isEmpty == false) ?? false
    }
}
