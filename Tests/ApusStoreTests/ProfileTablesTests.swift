// How each logged profile update changes a project's profiles (spec §1.4, §1.5), and that the
// embedded store rebuilds the same profiles after a flush and a restart as it held before.

import ApusModel
import ApusStoreCore
@testable import ApusStore
import ApusTesting
import Foundation
import Logging
import Testing

struct ProfileTablesTests {
    static let t0: Int64 = 1_735_689_600_000 // 2025-01-01T00:00:00Z

    /// Applies user updates given as JSON text, one per element, at `t0` unless they say `$time`.
    func users(_ updates: [String]) -> ProfileTables {
        var tables = ProfileTables()
        for u in updates { tables.apply(Array(u.utf8), kind: .user, receivedMs: Self.t0) }
        return tables
    }

    func props(_ tables: ProfileTables, _ id: String, lastSeen: Bool = false) -> [String: JSONValue]? {
        guard let row = tables.users.row(of: id), tables.users.live[row] else { return nil }
        var out: [String: JSONValue] = [:]
        for m in tables.users.properties(row: row) where lastSeen || m.key != "$last_seen" { out[m.key] = m.value }
        return out
    }

    @Test func setOverwritesAndSetOnceKeepsTheFirstValue() {
        let t = users([
            #"{"$distinct_id":"u","$set":{"plan":"free","n":1}}"#,
            #"{"$distinct_id":"u","$set":{"plan":"pro"}}"#,
            #"{"$distinct_id":"u","$set_once":{"plan":"team","first":"yes"}}"#,
        ])
        #expect(props(t, "u") == ["plan": .string("pro"), "n": .number(1), "first": .string("yes")])
    }

    @Test func addStartsFromZeroSumsNegativesAndLeavesNonNumbersAlone() {
        let t = users([
            #"{"$distinct_id":"u","$add":{"visits":2}}"#,
            #"{"$distinct_id":"u","$add":{"visits":-0.5}}"#,
            #"{"$distinct_id":"u","$set":{"name":"Ann"}}"#,
            #"{"$distinct_id":"u","$add":{"name":3}}"#,
        ])
        #expect(props(t, "u") == ["visits": .number(1.5), "name": .string("Ann")])
    }

    @Test func appendUnionAndRemoveWorkOnListsOnly() {
        let t = users([
            #"{"$distinct_id":"u","$append":{"seen":"a"}}"#,
            #"{"$distinct_id":"u","$append":{"seen":"a"}}"#,
            #"{"$distinct_id":"u","$union":{"tags":["x","y","x"]}}"#,
            #"{"$distinct_id":"u","$union":{"tags":["y","z"],"seen":["b"]}}"#,
            #"{"$distinct_id":"u","$remove":{"seen":"a"}}"#,
            #"{"$distinct_id":"u","$set":{"plan":"pro"}}"#,
            #"{"$distinct_id":"u","$append":{"plan":"x"}}"#,
            #"{"$distinct_id":"u","$union":{"plan":["x"]}}"#,
        ])
        #expect(props(t, "u") == [
            "seen": .array([.string("b")]),
            "tags": .array([.string("x"), .string("y"), .string("z")]),
            "plan": .string("pro"),
        ])
    }

    @Test func unsetRemovesKeysAndDeleteRemovesTheProfileUntilItIsSetAgain() {
        var t = users([
            #"{"$distinct_id":"u","$set":{"a":1,"b":2}}"#,
            #"{"$distinct_id":"u","$unset":["a","missing"]}"#,
        ])
        #expect(props(t, "u") == ["b": .number(2)])
        t.apply(Array(#"{"$distinct_id":"u","$delete":""}"#.utf8), kind: .user, receivedMs: Self.t0)
        #expect(props(t, "u") == nil)
        #expect(t.users.liveCount == 0)
        t.apply(Array(#"{"$distinct_id":"u","$set":{"c":3}}"#.utf8), kind: .user, receivedMs: Self.t0)
        #expect(props(t, "u") == ["c": .number(3)])
    }

    @Test func updatesThatNeedAProfileDoNotCreateOne() {
        let t = users([
            #"{"$distinct_id":"a","$unset":["x"]}"#,
            #"{"$distinct_id":"b","$remove":{"x":1}}"#,
            #"{"$distinct_id":"c","$delete":null}"#,
        ])
        #expect(t.users.liveCount == 0)
    }

    @Test func lastSeenFollowsTheUpdateTimeUnlessIgnoredAndNeverMovesBack() {
        let t = users([
            #"{"$distinct_id":"u","$time":1735693200000,"$set":{"a":1}}"#,
            #"{"$distinct_id":"u","$time":1735689600000,"$set":{"a":2}}"#,
            #"{"$distinct_id":"v","$time":1735693200000,"$ignore_time":true,"$set":{"a":1}}"#,
            #"{"$distinct_id":"w","$time":1735693200000,"$union":{"l":[1]}}"#,
        ])
        #expect(props(t, "u", lastSeen: true)?["$last_seen"] == .string("2025-01-01T01:00:00"))
        #expect(props(t, "u")?["a"] == .number(2))
        #expect(props(t, "v", lastSeen: true)?["$last_seen"] == nil)
        #expect(props(t, "w", lastSeen: true)?["$last_seen"] == nil)
    }

    @Test func listsStopGrowingAt256KBAndProfilesAt2000Properties() {
        let big = String(repeating: "x", count: 200 * 1024)
        let t = users([
            #"{"$distinct_id":"u","$append":{"l":"\#(big)"}}"#,
            #"{"$distinct_id":"u","$append":{"l":"\#(big)"}}"#,
        ])
        #expect(props(t, "u")?["l"] == .array([.string(big)]))
        var tables = ProfileTables()
        let many = (0..<2100).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        tables.apply(Array(#"{"$distinct_id":"u","$set":{\#(many)}}"#.utf8), kind: .user, receivedMs: Self.t0)
        #expect(tables.users.properties(row: 0).count == ProfileTable.propertiesMax)
    }

    /// One large `$union` costs a hash per value and stops at the list limit: a request cannot
    /// hold the store for long.
    @Test func aLargeUnionIsLinearAndRefusedPastTheLimit() {
        let small = (0..<5000).map { #""v\#($0)""# }.joined(separator: ",")
        let large = (0..<60_000).map { #""value-\#($0)""# }.joined(separator: ",")
        var t = ProfileTables()
        t.apply(Array(#"{"$distinct_id":"u","$union":{"l":[\#(small)]}}"#.utf8), kind: .user, receivedMs: 0)
        t.apply(Array(#"{"$distinct_id":"u","$union":{"l":[\#(small),"extra"]}}"#.utf8), kind: .user, receivedMs: 0)
        guard case .array(let list)? = t.users.value("l", row: 0) else { Issue.record("no list"); return }
        #expect(list.count == 5001)
        t.apply(Array(#"{"$distinct_id":"u","$union":{"l":[\#(large)]}}"#.utf8), kind: .user, receivedMs: 0)
        guard case .array(let after)? = t.users.value("l", row: 0) else { Issue.record("no list"); return }
        #expect(after.count == 5001)
        t.apply(Array(#"{"$distinct_id":"u","$add":{"n":1e308}}"#.utf8), kind: .user, receivedMs: 0)
        t.apply(Array(#"{"$distinct_id":"u","$add":{"n":1e308}}"#.utf8), kind: .user, receivedMs: 0)
        #expect(t.users.value("n", row: 0) == .number(1e308))
    }

    @Test func groupsAreKeyedByGroupKeyAndId() {
        var t = ProfileTables()
        for u in [
            #"{"$group_key":"company","$group_id":"Acme","$set":{"tier":"gold"}}"#,
            #"{"$group_key":"company","$group_id":"Initech","$set":{"tier":"free"}}"#,
            #"{"$group_key":"team","$group_id":"Acme","$set":{"size":4}}"#,
            #"{"$group_key":"company","$group_id":"Initech","$delete":""}"#,
        ] { t.apply(Array(u.utf8), kind: .group, receivedMs: Self.t0) }
        #expect(t.groupKeys == ["company", "team"])
        let company = try! #require(t.groups("company"))
        #expect(company.liveCount == 1)
        #expect(company.properties(row: company.row(of: "Acme")!) == [JSONMember("tier", .string("gold"))])
        #expect(t.groups("team")?.liveCount == 1)
        #expect(t.users.liveCount == 0)
    }

    @Test func idsAreComparedByTheirBytes() {
        let t = users([
            #"{"$distinct_id":"\u00e9","$set":{"a":1}}"#,
            #"{"$distinct_id":"e\u0301","$set":{"a":2}}"#,
        ])
        #expect(t.users.liveCount == 2)
    }

    @Test func unreadableRecordsChangeNothing() {
        let t = users([#"{"$set":{"a":1}}"#, "not json", #"{"$distinct_id":"u"}"#])
        #expect(t.users.liveCount == 0)
        #expect(t.unreadableCount == 3)
    }
}

struct ProfileStoreTests {
    let logger = Logger(label: "test")

    /// A seeded mix of user and group updates, as the validator stores them.
    func workload(seed: UInt64, count: Int) -> [(kind: ProfileUpdateKind, bytes: [UInt8])] {
        var g = SeededRandom(seed: seed)
        let ops = [#""$set":{"plan":"P","n":N}"#, #""$set_once":{"first":"P"}"#, #""$add":{"n":N}"#, #""$append":{"l":N}"#,
                   #""$union":{"u":[N,"P"]}"#, #""$remove":{"l":N}"#, #""$unset":["plan"]"#, #""$delete":"""#]
        return (0..<count).map { _ in
            let op = ops[Int(g.next() % UInt64(ops.count))]
                .replacingOccurrences(of: "P", with: ["free", "pro", "team"][Int(g.next() % 3)])
                .replacingOccurrences(of: "N", with: String(g.next() % 4))
            let time = 1_735_689_600_000 + Int64(g.next() % 1000) * 1000
            if g.next() % 4 == 0 {
                return (.group, Array(#"{"$group_key":"company","$group_id":"c\#(g.next() % 5)",\#(op),"$time":\#(time)}"#.utf8))
            }
            return (.user, Array(#"{"$distinct_id":"u\#(g.next() % 20)",\#(op),"$time":\#(time)}"#.utf8))
        }
    }

    /// The embedded store holds the profiles the in-memory reference computes, before a flush,
    /// after it (the updates then live in the update log) and after reopening the folder.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func profilesSurviveFlushAndRestart(seed: UInt64) async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        let reference = InMemoryEventStore()
        try store.openProject(1)
        try reference.openProject(1)
        let updates = workload(seed: seed, count: 400)
        for (i, u) in updates.enumerated() {
            _ = try await store.append(updates: [u.bytes], kind: u.kind, to: 1, receivedMs: Int64(i))
            _ = try await reference.append(updates: [u.bytes], kind: u.kind, to: 1, receivedMs: Int64(i))
            if i == 200 { store.flushAll() }
        }
        let expected = try reference.snapshot(of: 1).profiles
        #expect(expected.users.liveCount > 0)
        #expect(try store.snapshot(of: 1).profiles == expected)
        store.flushAll()
        store.close()
        let checkpoint = ProfileCheckpoint.path(config.projectDirectory(1))
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let verified = StoreVerifier.verify(dataDirectory: dir.path)
        #expect(verified.problems.isEmpty)
        #expect(verified.lines.contains { $0.hasPrefix("profile checkpoint: ") })
        do {
            let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
            defer { reopened.close() }
            let again = try reopened.snapshot(of: 1).profiles
            #expect(again == expected)
            #expect(again.groups("company") == expected.groups("company"))
            #expect(again.appliedCount == updates.count)
            // Updates after the checkpoint, never flushed: the WAL replays them on top of it.
            for u in workload(seed: seed + 100, count: 50) {
                _ = try await reopened.append(updates: [u.bytes], kind: u.kind, to: 1, receivedMs: 0)
                _ = try await reference.append(updates: [u.bytes], kind: u.kind, to: 1, receivedMs: 0)
            }
        }
        let later = try reference.snapshot(of: 1).profiles
        do {
            let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
            defer { reopened.close() }
            #expect(try reopened.snapshot(of: 1).profiles == later)
        }
        // A damaged checkpoint is ignored: everything is replayed from the update log.
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint))
        #expect(StoreVerifier.verify(dataDirectory: dir.path).lines.contains { $0.contains("does not read back whole") })
        let replayed = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { replayed.close() }
        #expect(try replayed.snapshot(of: 1).profiles == later)
    }

    /// A signed-in user's every event repeats one identity fact: the update log holds it once,
    /// however many flushes and restarts see it again, and the graph reopens whole from the
    /// log alone (with the checkpoint gone).
    @Test func identityFactsAreLoggedOnceAcrossFlushesAndRestarts() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        func events(_ round: Int) -> [Event] {
            (0..<20).map { i in
                Event(name: "Viewed", distinctId: "alice", timeMs: 1_735_689_600_000 + Int64(round * 100 + i), insertId: "r\(round)-\(i)",
                      properties: [JSONMember("$device_id", .string("d1")), JSONMember("$user_id", .string("alice"))])
            } + [Event(name: "Viewed", distinctId: "bob", timeMs: 1_735_689_600_000, insertId: "b\(round)",
                       properties: [JSONMember("$device_id", .string("e\(round)")), JSONMember("$user_id", .string("bob"))])]
        }
        func loggedFacts() throws -> [IdentityLink] {
            WALScanner.scan(try POSIXFileSystem().readAll(ProfileUpdateLog.path(config.projectDirectory(1)))).frames
                .filter { $0.kind == .identityLinks }.flatMap { $0.records.compactMap { IdentityLink(json: $0) } }
        }
        var expected = IdentityGraph()
        for round in 0..<3 {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(1)
            for half in 0..<2 {
                _ = try await store.append(events: events(round * 2 + half), to: 1, receivedMs: 0)
                for e in events(round * 2 + half) { for link in IdentityLink.links(in: e) { expected.apply(link) } }
                store.flushAll()
            }
            #expect(try store.snapshot(of: 1).identity == expected)
            store.close()
            let logged = try loggedFacts()
            #expect(logged.count == Set(logged).count, "a fact was logged twice")
            #expect(Set(logged) == expected.links)
        }
        try FileManager.default.removeItem(atPath: ProfileCheckpoint.path(config.projectDirectory(1)))
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(try reopened.snapshot(of: 1).identity == expected)
        #expect(try reopened.snapshot(of: 1).identity.ordered == expected.ordered)
    }

    /// A checkpoint reads back the tables and the identity facts it was written with.
    @Test func checkpointsRoundTrip() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        var tables = ProfileTables()
        for u in workload(seed: 7, count: 300) { tables.apply(u.bytes, kind: u.kind, receivedMs: 0) }
        var graph = IdentityGraph()
        for link in [IdentityLink.deviceUser(device: "$device:a", user: "u"), .identify(anon: "x", identified: "y"),
                     .alias(alias: "n", distinctId: "y"), .merge("y", "z")] { graph.apply(link) }
        try ProfileCheckpoint.write(tables, graph, throughSeq: 42, directory: dir.path, fs: POSIXFileSystem())
        let read = try #require(ProfileCheckpoint.read(directory: dir.path, fs: POSIXFileSystem()))
        #expect(read.throughSeq == 42)
        #expect(read.profiles == tables)
        #expect(read.identity == graph)
        #expect(read.identity.ordered == graph.ordered)
    }
}

struct DeletionStoreTests {
    let logger = Logger(label: "test")

    /// A deletion hides the events of its ids acknowledged before it and removes their
    /// profiles, in memory, in parts, after a checkpoint and after a restart; later events stay.
    @Test func deletionsHideEarlierEventsEverywhere() async throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let config = StoreConfiguration(dataDirectory: dir.path)
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        let reference = InMemoryEventStore()
        for (embedded, s) in [(true, store as any EventStore), (false, reference)] {
            try s.openProject(1)
            let t0: Int64 = 1_735_689_600_000
            let events = (0..<40).map { i in
                Event(name: "E", distinctId: ["ann", "ben", "$device:d1"][i % 3], timeMs: t0 + Int64(i) * 1000, insertId: "i\(i)", properties: [])
            }
            _ = try await s.append(events: Array(events[..<20]), to: 1, receivedMs: 0)
            if embedded { store.flushAll() }
            _ = try await s.append(events: Array(events[20...]), to: 1, receivedMs: 0)
            _ = try await s.append(updates: [Array(#"{"$distinct_id":"ann","$set":{"a":1}}"#.utf8)], kind: .user, to: 1, receivedMs: 0)
            let task = DeletionTask(taskId: "t1", distinctIds: ["ann"], ids: ["ann", "$device:d1"], complianceType: "GDPR", requestingUser: "x", requestedMs: 5)
            _ = try await s.append(updates: [task.json], kind: .deletion, to: 1, receivedMs: 0)
            _ = try await s.append(events: [Event(name: "E", distinctId: "ann", timeMs: t0 + 100_000, insertId: "later", properties: [])], to: 1, receivedMs: 0)
        }
        func ids(_ snapshot: any EventSnapshot) throws -> [String] {
            try ScanRows.collect(snapshot, .everything(days: Int32.min...Int32.max)).rows.map { "\($0.distinctId)/\($0.insertId ?? "")" }.sorted()
        }
        let want = try ids(reference.snapshot(of: 1))
        #expect(want.count == 14 && want.contains("ann/later"))
        #expect(try ids(store.snapshot(of: 1)) == want)
        #expect(try store.snapshot(of: 1).profiles.users.liveCount == 0)
        store.flushAll()
        store.waitForBackgroundWork()
        #expect(try ids(store.snapshot(of: 1)) == want)
        // Physically gone: the parts hold only the rows a reader sees.
        #expect(try store.projectSnapshot(of: 1).parts.reduce(0) { $0 + $1.rowCount } == want.count)
        store.close()
        let reopened = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { reopened.close() }
        #expect(try ids(reopened.snapshot(of: 1)) == want)
        #expect(try reopened.snapshot(of: 1).deletions.task("t1")?.ids == ["ann", "$device:d1"])
        #expect(try reopened.snapshot(of: 1).profiles.users.liveCount == 0)
    }
}

struct ProfileGeoTests {
    /// The location an update came from is set on the profile, except keys the update sets.
    @Test func locationsFollowUpdatesUnlessTheUpdateSetsThem() {
        var t = ProfileTables()
        let geo = #""$geo":{"$city":"London","$region":"England","$country_code":"GB"}"#
        t.apply(Array(#"{"$distinct_id":"u","$set":{"$city":"Paris"},\#(geo)}"#.utf8), kind: .user, receivedMs: 0)
        t.apply(Array(#"{"$distinct_id":"v","$unset":["x"],\#(geo)}"#.utf8), kind: .user, receivedMs: 0)
        let row = t.users.row(of: "u")!
        #expect(t.users.value("$city", row: row) == .string("Paris"))
        #expect(t.users.value("$country_code", row: row) == .string("GB"))
        #expect(t.users.row(of: "v") == nil)
    }
}

struct ProfileColumnTests {
    /// Keys only a few profiles hold stay maps from row to value; common keys become arrays;
    /// either way a column answers the same.
    @Test func sparseAndDenseColumnsHoldTheSameValues() {
        var rare = ProfileColumn(), common = ProfileColumn()
        var want: [Int: JSONValue] = [:]
        for row in stride(from: 0, to: 100_000, by: 997) {
            rare.set(.number(Double(row)), at: row)
            want[row] = .number(Double(row))
        }
        for row in 0..<5000 { common.set(.string("v\(row % 7)"), at: row) }
        common.set(nil, at: 10)
        rare.set(nil, at: 997)
        want[997] = nil
        #expect(rare.count == want.count && common.count == 4999)
        #expect(rare.values().map(\.row) == want.keys.sorted())
        for row in [0, 1994, 5, 99_999, 200_000] { #expect(rare[row] == want[row]) }
        #expect(common[10] == nil && common[11] == .string("v4") && common[6000] == nil)
    }

    /// A million profiles each with a key of its own stay cheap to hold and to update.
    @Test func aKeyPerProfileDoesNotCostAColumnPerProfile() {
        var t = ProfileTables()
        for i in 0..<20_000 { t.apply(Array(#"{"$distinct_id":"u\#(i)","$set":{"k\#(i)":\#(i)}}"#.utf8), kind: .user, receivedMs: 0) }
        #expect(t.users.keys.count == 20_001) // and $last_seen
        #expect(t.users.value("k19999", row: t.users.row(of: "u19999")!) == .number(19999))
        #expect(t.users.columns.allSatisfy { $0.count <= 20_000 })
    }
}
