// Identity merge as users live it, told as stories: each asserts what unique counts and the
// names rows are shown with say, in the embedded store (before and after a flush and a restart)
// and in the in-memory reference.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStore
import ApusStoreCore
import ApusTesting
import Logging
import Testing

struct IdentityStoryTests {
    static let t0: Int64 = 1_764_000_000_000 // 2025-11-24T16:00:00Z

    func event(_ name: String, _ minute: Int, _ distinctId: String, _ props: [String: String] = [:]) -> Event {
        Event(name: name, distinctId: distinctId, timeMs: Self.t0 + Int64(minute) * 60_000, insertId: "\(name)-\(minute)-\(distinctId)",
              properties: props.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })
    }

    /// Unique users of `name` that day, under `mode`, and the name each distinct id is shown as.
    func read(_ snapshot: any EventSnapshot, _ mode: IdentityMode, _ name: String) throws -> (unique: Int, shownAs: [String: String]) {
        let identity = IdentityResolution(snapshot, mode: mode)
        let day = CivilDate(daysSinceEpoch: Self.t0 / 86_400_000)
        let result = try SegmentationRunner.run(SegmentationQuery(events: [name], from: day, to: day, type: .unique),
                                                snapshot: snapshot, zone: .utc, policy: ScanPolicy(identity: identity))
        var shown: [String: String] = [:]
        let blocks = try snapshot.scan(.everything(days: Int32(Self.t0 / 86_400_000)...Int32(Self.t0 / 86_400_000)))
        while let block = try blocks.next() {
            for u in block.uids { shown[snapshot.distinctId(of: u)] = identity.name(of: u) ?? snapshot.distinctId(of: u) }
        }
        return (Int(result.segments.first?.values.first ?? 0), shown)
    }

    /// Runs `events` (in batches) into both stores and checks `check` against each, and
    /// against the embedded store after a flush and a reopen.
    func story(_ batches: [[Event]], profiles: [String] = [], check: (any EventSnapshot) throws -> Void) async throws {
        let reference = InMemoryEventStore()
        try reference.openProject(1)
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "test"))
        try store.openProject(1)
        for batch in batches {
            _ = try await reference.append(events: batch, to: 1, receivedMs: Self.t0)
            _ = try await store.append(events: batch, to: 1, receivedMs: Self.t0)
        }
        for update in profiles {
            _ = try await reference.append(updates: [Array(update.utf8)], kind: .user, to: 1, receivedMs: Self.t0)
            _ = try await store.append(updates: [Array(update.utf8)], kind: .user, to: 1, receivedMs: Self.t0)
        }
        try check(try reference.snapshot(of: 1))
        try check(try store.snapshot(of: 1))
        let live = try store.snapshot(of: 1).identity, expected = try reference.snapshot(of: 1).identity
        #expect(live == expected)
        store.flushAll()
        try check(try store.snapshot(of: 1))
        store.close()
        let reopened = try EmbeddedEventStore(configuration: config, logger: Logger(label: "test"))
        defer { reopened.close() }
        try check(try reopened.snapshot(of: 1))
        let recovered = try reopened.snapshot(of: 1).identity
        #expect(recovered == expected)
    }

    /// Anonymous browsing, sign-up, a login on a second device, then a reset on the shared
    /// device: one person on two devices, and a new anonymous visitor.
    @Test func anonymousThenSignUpThenSecondDeviceThenReset() async throws {
        try await story([
            [event("Page Viewed", 0, "$device:D1", ["$device_id": "D1"])],
            [event("Signed Up", 1, "alice", ["$device_id": "D1", "$user_id": "alice"])],
            [event("Page Viewed", 2, "alice", ["$device_id": "D2", "$user_id": "alice"])],
            [event("Page Viewed", 3, "$device:D3", ["$device_id": "D3"])],
        ]) { snapshot in
            let simplified = try read(snapshot, .simplified, "Page Viewed")
            #expect(simplified.unique == 2)
            #expect(simplified.shownAs == ["$device:D1": "alice", "alice": "alice", "$device:D3": "$device:D3"])
            // The same events under Original ID merge: no $identify, so nobody merges.
            let original = try read(snapshot, .original, "Page Viewed")
            #expect(original.unique == 3)
        }
    }

    /// A merge that arrives after the events it merges changes the earlier day's count.
    @Test func aLateMergeIsRetroactive() async throws {
        try await story([
            [event("Played", 0, "$device:D9", ["$device_id": "D9"]), event("Played", 5, "bob", ["$user_id": "bob"])],
            [event("Logged In", 600, "bob", ["$device_id": "D9", "$user_id": "bob"])],
        ]) { snapshot in
            let r = try read(snapshot, .simplified, "Played")
            #expect(r.unique == 1)
        }
    }

    /// Simplified: an event with `$user_id` sent under a device's distinct id counts as that
    /// user (Mixpanel rewrites its distinct id); a plain distinct id is a user of its own, and
    /// two users never join.
    @Test func aUserIdOverridesASentDeviceId() async throws {
        try await story([
            [event("A", 0, "$device:c7", ["$user_id": "dora"]), event("A", 1, "dora")],
            [event("A", 2, "alice", ["$user_id": "bob"]), event("A", 3, "bob")],
        ]) { snapshot in
            let r = try read(snapshot, .simplified, "A")
            #expect(r.unique == 3)
            #expect(r.shownAs["$device:c7"] == "dora")
            #expect(r.shownAs["alice"] == "alice")
        }
    }

    /// A device seen with one user never joins another: the second user stays apart.
    @Test func aDeviceBelongsToOneUser() async throws {
        try await story([
            [event("A", 0, "carol", ["$device_id": "D5", "$user_id": "carol"])],
            [event("A", 1, "dave", ["$device_id": "D5", "$user_id": "dave"])],
            [event("A", 2, "$device:D5", ["$device_id": "D5"])],
        ]) { snapshot in
            let r = try read(snapshot, .simplified, "A")
            #expect(r.unique == 2)
            #expect(r.shownAs["$device:D5"] == "carol")
        }
    }

    /// Original ID merge: an alias, then an identify of an anonymous id, then $merge of two
    /// identified people.
    @Test func originalAliasIdentifyAndMerge() async throws {
        try await story([
            [event("Visit", 0, "anon-1"), event("Visit", 1, "nick-1")],
            [event("$create_alias", 2, "user-1", ["alias": "nick-1"])],
            [event("$identify", 3, "user-1", ["$anon_distinct_id": "anon-1"])],
            [event("Visit", 4, "user-1"), event("Visit", 5, "anon-2"), event("Visit", 6, "user-2")],
            [event("$identify", 7, "user-2", ["$anon_distinct_id": "anon-1"])], // anon-1 is taken: refused
            [event("$identify", 8, "user-2", ["$anon_distinct_id": "anon-2"])],
        ]) { snapshot in
            let r = try read(snapshot, .original, "Visit")
            #expect(r.unique == 2)
            #expect(r.shownAs["anon-1"] == "user-1" && r.shownAs["nick-1"] == "user-1" && r.shownAs["anon-2"] == "user-2")
            // Simplified ignores these events: every id counts alone.
            let simplified = try read(snapshot, .simplified, "Visit")
            #expect(simplified.unique == 5)
        }
        try await story([
            [event("Visit", 0, "p"), event("Visit", 1, "q")],
            [event("$merge", 2, "p", ["x": "y"])],
        ]) { snapshot in
            let r = try read(snapshot, .original, "Visit")
            #expect(r.unique == 2) // $merge without $distinct_ids merges nothing
        }
    }

    /// `user["…"]` reads the profile of the person (the cluster's canonical id), for all of the
    /// person's events, including those sent before login; a profile set on the anonymous id
    /// is not the person's.
    @Test func userPropertiesFollowThePerson() async throws {
        try await story([
            [event("Page Viewed", 0, "$device:D1", ["$device_id": "D1"])],
            [event("Page Viewed", 1, "alice", ["$device_id": "D1", "$user_id": "alice"])],
            [event("Page Viewed", 2, "bob"), event("Page Viewed", 3, "carl")],
        ], profiles: [
            #"{"$distinct_id":"$device:D1","$set":{"plan":"free"}}"#,
            #"{"$distinct_id":"alice","$set":{"plan":"pro","seats":3}}"#,
            #"{"$distinct_id":"bob","$set":{"plan":"free","seats":1}}"#,
        ]) { snapshot in
            let identity = IdentityResolution(snapshot, mode: .simplified)
            let day = CivilDate(daysSinceEpoch: Self.t0 / 86_400_000)
            func run(_ query: SegmentationQuery) throws -> [String: Double] {
                let result = try SegmentationRunner.run(query, snapshot: snapshot, zone: .utc, policy: ScanPolicy(identity: identity))
                return Dictionary(uniqueKeysWithValues: result.segments.map { ($0.name, $0.values.reduce(0, +)) })
            }
            var pro = SegmentationQuery(events: ["Page Viewed"], from: day, to: day)
            pro.filter = try ExpressionParser.parse(#"user["plan"] == "pro""#)
            #expect(try run(pro) == ["Page Viewed": 2])
            pro.type = .unique
            #expect(try run(pro) == ["Page Viewed": 1])
            var byPlan = SegmentationQuery(events: ["Page Viewed"], from: day, to: day)
            byPlan.segmentBy = .expression(try ExpressionParser.parse(#"user["plan"]"#))
            #expect(try run(byPlan) == ["pro": 2, "free": 1])
            var seats = SegmentationQuery(events: ["Page Viewed"], from: day, to: day)
            seats.filter = try ExpressionParser.parse(#"user["seats"] >= 1 and not defined(properties["$device_id"])"#)
            #expect(try run(seats) == ["Page Viewed": 1])
        }
    }

    /// `$merge` of two ids joins their clusters; a cluster stops at 500 ids.
    @Test func mergeJoinsClustersUpToTheLimit() {
        var graph = IdentityGraph()
        graph.apply(.merge("a", "b"))
        graph.apply(.identify(anon: "c", identified: "b"))
        #expect(graph.original.canonical(of: "c") == "a")
        for i in 0..<600 { graph.apply(.merge("big", "m\(i)")) }
        #expect(graph.original.clusters().first { $0.contains("big") }?.count == IdentityClusters.clusterSizeMax)
        #expect(graph.original.canonical(of: "m599") == "m599")
        // Simplified: a user may have any number of devices.
        for i in 0..<600 { graph.apply(.deviceUser(device: "$device:\(i)", user: "erin")) }
        #expect(graph.simplified.clusters().first?.count == 601)
        #expect(graph.simplified.canonical(of: "$device:599") == "erin")
    }
}
