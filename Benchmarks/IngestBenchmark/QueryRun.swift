// The Query API's reports over an existing data folder (e.g. the 100M-event one --import-scan
// leaves), in process, hot (best of three after a first pass): count by day for one event over
// the folder's days, unique users by day, a series per value of a string property (the top 10),
// and an event's property keys. Peers come with the next step (where/on).

import ApusExpression
import ApusModel
import ApusQuery
import ApusStore
import ApusStoreCore
import Foundation
import Logging

enum QueryRun {
    static func measure(folder: String, project: ProjectID, cacheBytes: Int, only: Int? = nil) throws {
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
        }
    }
}
