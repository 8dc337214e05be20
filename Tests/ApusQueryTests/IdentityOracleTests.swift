// Unique counts and `user[…]` filters and segments agree with the naive oracle on seeded
// workloads of people who browse anonymously, log in on several devices, alias and merge
// (both merge modes), with profile updates interleaved — in the in-memory store, in the
// embedded store's memtable, and in its parts. The oracle counts canonical ids and reads the
// canonical id's profile; the engine maps uids and joins profiles by uid.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStore
import ApusStoreCore
import ApusTesting
import Logging
import Testing

struct IdentityOracleTests {
    static let t0: Int64 = 1_764_000_000_000

    /// Events and profile updates, in arrival order (an update is `.right`).
    static func workload(seed: UInt64) -> [Either] {
        var g = SeededRandom(seed: seed)
        func pick(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }
        var out: [Either] = []
        for i in 0..<900 {
            let minute = pick(3 * 1440)
            let device = "D\(pick(40))", user = "u\(pick(25))"
            func event(_ name: String, _ distinctId: String, _ props: [(String, String)]) -> Event {
                Event(name: name, distinctId: distinctId, timeMs: t0 + Int64(minute) * 60_000, insertId: "e\(i)",
                      properties: props.map { JSONMember($0.0, .string($0.1)) } + [JSONMember("n", .number(Double(pick(5))))])
            }
            switch pick(12) {
            case 0..<4: out.append(.left(event(["Played", "Viewed"][pick(2)], "$device:\(device)", [("$device_id", device)])))
            case 4..<7: out.append(.left(event(["Played", "Viewed"][pick(2)], user, [("$device_id", device), ("$user_id", user)])))
            case 7: out.append(.left(event("$identify", user, [("$anon_distinct_id", "$device:\(device)")])))
            case 8: out.append(.left(event("$create_alias", user, [("alias", "nick-\(pick(30))")])))
            case 9 where pick(8) == 0:
                // Rare: merging people at random soon makes everyone one person.
                out.append(.left(event("$merge", user, []).with(distinctIds: [user, "u\(pick(25))"])))
            case 9, 10: out.append(.left(event("Played", "nick-\(pick(30))", [])))
            default:
                let who = pick(4) == 0 ? "$device:\(device)" : user
                let op = [#""$set":{"plan":"\#(["free", "pro", "team"][pick(3)])"}"#, #""$set":{"seats":\#(pick(9))}"#,
                          #""$unset":["plan"]"#, #""$delete":"""#][pick(4)]
                out.append(.right(#"{"$distinct_id":"\#(who)",\#(op),"$time":\#(t0)}"#))
            }
        }
        return out
    }

    enum Either { case left(Event), right(String) }

    static func load(_ items: [Either], into store: any EventStore, flushAt: Int?, flush: () -> Void) async throws {
        for (i, item) in items.enumerated() {
            switch item {
            case .left(let e): _ = try await store.append(events: [e], to: 1, receivedMs: t0)
            case .right(let u): _ = try await store.append(updates: [Array(u.utf8)], kind: .user, to: 1, receivedMs: t0)
            }
            if i == flushAt { flush() }
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64], IdentityMode.allCases)
    func uniqueCountsAndUserPropertiesMatchTheOracle(seed: UInt64, mode: IdentityMode) async throws {
        let items = Self.workload(seed: seed)
        let memory = InMemoryEventStore()
        try memory.openProject(1)
        try await Self.load(items, into: memory, flushAt: nil, flush: {})
        let dir = TempDirectory()
        defer { dir.remove() }
        let embedded = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: Logger(label: "test"))
        defer { embedded.close() }
        try embedded.openProject(1)
        try await Self.load(items, into: embedded, flushAt: items.count / 2, flush: { embedded.flushAll() })

        let from = CivilDate(daysSinceEpoch: Self.t0 / 86_400_000), to = CivilDate(daysSinceEpoch: Self.t0 / 86_400_000 + 3)
        var queries: [(label: String, query: SegmentationQuery)] = []
        for type in [CountType.unique, .average, .general] {
            queries.append(("events", SegmentationQuery(events: ["Played", "Viewed"], from: from, to: to, unit: .day, type: type)))
            var pro = SegmentationQuery(events: ["Played"], from: from, to: to, unit: .week, type: type)
            pro.filter = try ExpressionParser.parse(#"user["plan"] == "pro" or (user["seats"] > 3 and properties["n"] >= 2)"#)
            queries.append(("where", pro))
            var byPlan = SegmentationQuery(events: ["Viewed"], from: from, to: to, unit: .day, type: type)
            byPlan.segmentBy = .expression(try ExpressionParser.parse(#"user["plan"]"#))
            queries.append(("on", byPlan))
            var mixed = SegmentationQuery(events: ["Played"], from: from, to: to, unit: .day, type: type)
            mixed.segmentBy = .expression(try ExpressionParser.parse(#"string(user["seats"]) + "/" + string(properties["n"])"#))
            queries.append(("mixed", mixed))
        }
        var counted = Set<String>()
        for (name, store) in [("memory", memory as any EventStore), ("embedded", embedded)] {
            let snapshot = try store.snapshot(of: 1)
            let rows = try ScanRows.collect(snapshot, .everything(days: Int32.min...Int32.max)).rows
            let people = SegmentationOracle.People(graph: snapshot.identity, mode: mode, profiles: snapshot.profiles)
            let policy = ScanPolicy(identity: IdentityResolution(snapshot, mode: mode))
            for (label, query) in queries {
                let want = SegmentationOracle.run(query, rows: rows, zone: "UTC", people: people)
                let got = try SegmentationRunner.run(query, snapshot: snapshot, zone: .utc, policy: policy)
                #expect(got.segments.map(\.name) == want.segments.map(\.name), "\(name) \(mode) \(query.type) \(query.segmentBy)")
                for (g, w) in zip(got.segments, want.segments) where g.values != w.values {
                    Issue.record("\(name) \(mode) \(query.type) \(g.name): got \(g.values), want \(w.values)")
                }
                if want.segments.contains(where: { $0.values.contains { $0 > 0 } }) { counted.insert(label) }
            }
        }
        // The workload exercises plain counts and profile reads.
        #expect(counted.contains("events") && counted.count >= 3, "queries that counted: \(counted)")
        // Both stores hold the same facts and profiles.
        #expect(try embedded.snapshot(of: 1).identity == memory.snapshot(of: 1).identity)
        #expect(try embedded.snapshot(of: 1).profiles == memory.snapshot(of: 1).profiles)
    }
}

private extension Event {
    func with(distinctIds: [String]) -> Event {
        var e = self
        e.properties.append(JSONMember("$distinct_ids", .array(distinctIds.map { .string($0) })))
        return e
    }
}
