// Profiles and identity at scale, over an existing data folder (the 100M-event one --import-scan
// leaves, whose users are "user-0" … "user-<N-1>"): profile updates applied per second (the
// tables alone, then through the store, durable); the folder's reopen time with them; a
// /engage `where` over every profile and its first page as JSON; and a count by day of one
// event per `user["plan"]`, against DuckDB joining the same profiles table to the same events
// (Benchmarks/peers/profile_peers.py) when --peer-work names the query benchmark's databases.
// Every user gets `{"plan": ["free","starter","pro","enterprise"][i % 4], "seats": i % 50}`.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStore
import ApusStoreCore
import Foundation
import Logging

enum ProfileRun {
    static let plans = ["free", "starter", "pro", "enterprise"]

    static func update(_ i: Int) -> [UInt8] {
        Array(#"{"$distinct_id":"user-\#(i)","$set":{"plan":"\#(plans[i % 4])","seats":\#(i % 50),"company":"c-\#(i % 997)"},"$time":1735689600000}"#.utf8)
    }

    /// Opens the folder `times` times and prints each open's time and the RSS after it (the
    /// profile checkpoint and update log are read at open).
    static func reopen(folder: String, project: ProjectID, times: Int) throws {
        var config = StoreConfiguration(dataDirectory: folder)
        config.cacheBytesMax = 256 << 20
        for _ in 0..<times {
            let t = Date()
            let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "bench"))
            try store.openProject(project)
            let count = try store.snapshot(of: project).profiles.users.liveCount
            print(String(format: "reopen with %d profiles: %.2f s, RSS %.0f MB", count, Date().timeIntervalSince(t), ScanRun.rssMB()))
            store.close()
        }
    }

    static func measure(folder: String, project: ProjectID, users: Int, peers: (python: String, work: String)?) async throws {
        // 1. The tables alone: $set for every user, then $add for every user.
        var tables = ProfileTables()
        var t = Date()
        for i in 0..<users { tables.apply(update(i), kind: .user, receivedMs: 0) }
        let setRate = Double(users) / Date().timeIntervalSince(t)
        t = Date()
        for i in 0..<users { tables.apply(Array(#"{"$distinct_id":"user-\#(i)","$add":{"logins":1}}"#.utf8), kind: .user, receivedMs: 0) }
        let addRate = Double(users) / Date().timeIntervalSince(t)
        print(String(format: "profile tables: $set %.0f updates/s, $add %.0f updates/s (%d profiles, RSS %.0f MB)", setRate, addRate, users, ScanRun.rssMB()))
        tables = ProfileTables()

        // 2. Through the store (durable, 2000 updates per append), unless the folder has them.
        var config = StoreConfiguration(dataDirectory: folder)
        config.cacheBytesMax = 256 << 20
        do {
            t = Date()
            let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "bench"))
            try store.openProject(project)
            print(String(format: "open: %.2f s", Date().timeIntervalSince(t)))
            if try store.snapshot(of: project).profiles.users.liveCount < users {
                t = Date()
                for start in stride(from: 0, to: users, by: 2000) {
                    _ = try await store.append(updates: (start..<min(users, start + 2000)).map(update), kind: .user, to: project, receivedMs: 0)
                }
                let rate = Double(users) / Date().timeIntervalSince(t)
                store.flushAll()
                print(String(format: "store: %.0f $set updates/s, durable, 2000 per append", rate))
            }
            // Writes the profile checkpoint if the folder has none yet.
            t = Date()
            store.flushAll()
            print(String(format: "flush (profile checkpoint): %.2f s", Date().timeIntervalSince(t)))
            store.close()
        }
        t = Date()
        let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "bench"))
        defer { store.close() }
        try store.openProject(project)
        let snapshot = try store.snapshot(of: project)
        print(String(format: "reopen with %d profiles: %.2f s, RSS %.0f MB", snapshot.profiles.users.liveCount, Date().timeIntervalSince(t), ScanRun.rssMB()))

        // 3. /engage: where over every profile, then the first page of 1000 as JSON.
        let filter = try ExpressionParser.parse(#"properties["plan"] == "pro" and properties["seats"] > 10"#)
        let engage = best {
            let match = EngageReport.run(EngageQuery(filter: filter), profiles: snapshot.profiles)
            var page: [JSONValue] = []
            for i in 0..<min(1000, match.rows.count) {
                let p = match.profile(i)
                page.append(.object([JSONMember("$distinct_id", .string(p.id)), JSONMember("$properties", .object(p.properties))]))
            }
            return JSONWriter.bytes(.array(page)).count + match.rows.count
        }
        print(String(format: "/engage where over %d profiles, first page as JSON: %.3f s", snapshot.profiles.users.liveCount, engage))

        // 4. Count by day per user["plan"] of one event, every day of the folder.
        let days = snapshot.days(in: Int32.min...Int32.max)
        guard let first = days.first, let last = days.last else { return }
        var query = SegmentationQuery(events: ["Page Viewed"], from: CivilDate(daysSinceEpoch: Int64(first)), to: CivilDate(daysSinceEpoch: Int64(last)))
        query.segmentBy = .expression(try ExpressionParser.parse(#"user["plan"]"#))
        let identity = IdentityResolution(snapshot, mode: .simplified)
        let breakdown = try best {
            try SegmentationRunner.run(query, snapshot: snapshot, zone: .utc, policy: ScanPolicy(identity: identity)).segments.count
        }
        print(String(format: "count by day per user[\"plan\"], %d days: %.3f s (RSS %.0f MB)", days.count, breakdown, ScanRun.rssMB()))
        guard let peers else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: peers.python)
        process.arguments = ["Benchmarks/peers/profile_peers.py", "--work", peers.work, "--users", String(users), "--event", "Page Viewed"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Double], let hot = json["hot_s"] else {
            print("peer run failed: \(String(decoding: data, as: UTF8.self))")
            return
        }
        print(String(format: "DuckDB join on the profiles table: first %.3f s, hot %.3f s; Apus/DuckDB %.2f×", json["first_s"] ?? .nan, hot, breakdown / hot))
    }

    /// Best of three after a first run, in seconds.
    static func best(_ run: () throws -> Int) rethrows -> Double {
        _ = try run()
        var best = Double.infinity
        for _ in 0..<3 {
            let t = Date()
            _ = try run()
            best = min(best, Date().timeIntervalSince(t))
        }
        return best
    }
}
