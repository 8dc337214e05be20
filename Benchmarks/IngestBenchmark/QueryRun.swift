// The Query API's reports over an existing data folder (e.g. the 100M-event one --import-scan
// leaves), in process, hot (best of three after a first pass): count by day for one event over
// the folder's days, unique users by day, a series per value of a string property (the top 10),
// the same with a `where`, and an event's property keys. With --peer-input (the NDJSON files the
// folder was loaded from), the same questions go to DuckDB and ClickHouse over the same rows in
// the same run (Benchmarks/peers/query_peers.py), and the ratios are printed.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStore
import ApusStoreCore
import Foundation
import Logging

enum QueryRun {
    static func measure(folder: String, project: ProjectID, cacheBytes: Int, only: Int? = nil,
                        peers: (python: String, input: String, work: String)? = nil) throws {
        var config = StoreConfiguration(dataDirectory: folder)
        config.cacheBytesMax = cacheBytes
        let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "bench"))
        defer { store.close() }
        let snapshot = try store.snapshot(of: project)
        let days = snapshot.days(in: Int32.min...Int32.max)
        guard let first = days.first, let last = days.last else { print("no events"); return }
        let from = CivilDate(daysSinceEpoch: Int64(first)), to = CivilDate(daysSinceEpoch: Int64(last))
        let event = "Page Viewed"
        let queries: [(String, () throws -> Int)] = [
            ("count by day, one event, \(days.count) days", {
                try SegmentationRunner.run(SegmentationQuery(events: [event], from: from, to: to), snapshot: snapshot, zone: .utc)
                    .segments.count
            }),
            ("unique users by day, one event", {
                try SegmentationRunner.run(SegmentationQuery(events: [event], from: from, to: to, type: .unique), snapshot: snapshot, zone: .utc)
                    .segments.count
            }),
            ("count by day per value of a string property (top 10)", {
                try SegmentationRunner.run(SegmentationQuery(events: [event], from: from, to: to, segmentBy: .property("$browser"), limit: 10),
                                           snapshot: snapshot, zone: .utc).segments.count
            }),
            ("count by day per value of a string property (top 10), where another equals a value", {
                try SegmentationRunner.run(SegmentationQuery(events: [event], from: from, to: to, segmentBy: .property("$browser"), limit: 10,
                                                             filter: try ExpressionParser.parse(#"properties["$os"] == "Windows""#)),
                                           snapshot: snapshot, zone: .utc).segments.count
            }),
            ("an event's property keys (last 31 days)", {
                try PropertyKeysReport.run(event: event, from: CivilDate(daysSinceEpoch: Int64(last) - 30), to: to, zone: .utc, snapshot: snapshot).count
            }),
        ]
        var mine: [(name: String, hot: Double)] = []
        for (i, (name, run)) in queries.enumerated() where only == nil || only == i {
            let cold = Date()
            _ = try run()
            let coldSeconds = Date().timeIntervalSince(cold)
            var best = Double.infinity
            var answer = 0
            for _ in 0..<3 {
                let t = Date()
                answer = try run()
                best = min(best, Date().timeIntervalSince(t))
            }
            print(String(format: "%@: first %.3f s, hot %.3f s (%d segments/keys), RSS %.0f MB", name, coldSeconds, best, answer, ScanRun.rssMB()))
            mine.append((name, best))
        }
        print(String(format: "Apus peak RSS %.0f MB", ScanRun.peakRSSMB()))
        guard let peers, only == nil else { return }
        let files = try FileManager.default.contentsOfDirectory(atPath: peers.input).filter { $0.hasSuffix(".ndjson") }.sorted()
            .map { peers.input + "/" + $0 }
        print("Asking DuckDB and ClickHouse the same questions (databases kept in \(peers.work); the first run loads them)…")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: peers.python)
        process.arguments = ["Benchmarks/peers/query_peers.py", "--work", peers.work, "--event", event, "--last-day", String(last)] + files
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            print("peer run failed (status \(process.terminationStatus))")
            return
        }
        for engine in ["duckdb", "clickhouse"] {
            guard let results = json[engine] as? [[String: Double]] else {
                print("\(engine): \(json[engine + "_error"] ?? "no results")")
                continue
            }
            print(String(format: "%@ (RSS %.0f MB):", engine, json[engine + "_rss_mb"] as? Double ?? 0))
            for (m, r) in zip(mine, results) {
                let hot = r["hot_s"] ?? .nan
                print(String(format: "  %@: first %.3f s, hot %.3f s; Apus/%@ %.2f×", m.name, r["first_s"] ?? .nan, hot, engine, m.hot / hot))
            }
        }
    }
}
