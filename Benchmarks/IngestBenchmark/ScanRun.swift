// The read side of the store, in process: N generated events appended (relaxed durability) and
// flushed into block parts and merged to one part per day (as a bulk import leaves them), the
// folder reopened (time and RSS after open), then a full scan
// counting events by (day, event name) through the scan API — cold (chunks read and decoded)
// and hot (from the cache), on one thread and on two (days split between them).

import ApusModel
import ApusStore
import ApusStoreCore
import ApusTesting
import Foundation
import Logging

enum ScanRun {
    static func rssMB() -> Double { statusMB("VmRSS:") }

    /// The most this process has held resident.
    static func peakRSSMB() -> Double { statusMB("VmHWM:") }

    private static func statusMB(_ field: String) -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
        return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "0").map { $0 / 1024 } ?? 0
    }

    static func measure(events count: Int) async throws {
        let dir = NSTemporaryDirectory() + "apus-scan-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = StoreConfiguration(dataDirectory: dir)
        config.durability = .relaxed
        let logger = Logger(label: "bench")
        var options = WorkloadGenerator.Options()
        options.days = 30
        var generator = WorkloadGenerator(seed: 42, options: options)
        let t0 = Date()
        do {
            let store = try EmbeddedEventStore(configuration: config, logger: logger)
            try store.openProject(1)
            var left = count
            while left > 0 {
                let n = min(left, 10_000)
                _ = try await store.append(events: (0..<n).map { _ in generator.nextEvent() }, to: 1, receivedMs: 0)
                left -= n
            }
            store.flushAll()
            store.compactAll()
            store.close()
        }
        let load = Date().timeIntervalSince(t0)
        let parts = try FileManager.default.contentsOfDirectory(atPath: config.projectDirectory(1) + "/parts")
        let bytes = try parts.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: config.projectDirectory(1) + "/parts/" + $1)[.size] as? Int) ?? 0) }
        print(String(format: "load %d events: %.1f s (%.0f events/s in process, relaxed, incl. flush), %d parts, %.1f bytes/event",
                     count, load, Double(count) / load, parts.count, Double(bytes) / Double(count)))

        _ = try scanFolder(config: config, project: 1)

    }

    struct ScanResult {
        var openSeconds: Double
        var rssAfterOpenMB: Double
        var rows: Int
        /// label → (seconds, rows/s, RSS MB)
        var runs: [(label: String, seconds: Double, rowsPerSecond: Double, rssMB: Double)]
    }

    /// Opens the data folder in `config` (footers only), then counts events by (day, event name)
    /// through the scan API: cold, hot, hot on two threads.
    static func scanFolder(config: StoreConfiguration, project: ProjectID) throws -> ScanResult {
        let logger = Logger(label: "bench")
        let rssBefore = rssMB()
        let t1 = Date()
        let store = try EmbeddedEventStore(configuration: config, logger: logger)
        defer { store.close() }
        let open = Date().timeIntervalSince(t1)
        let rssOpen = rssMB()
        print(String(format: "open: %.3f s, RSS %.0f MB (%.0f MB before)", open, rssOpen, rssBefore))
        var result = ScanResult(openSeconds: open, rssAfterOpenMB: rssOpen, rows: 0, runs: [])
        let snapshot = try store.snapshot(of: project)
        let days = snapshot.days(in: Int32.min...Int32.max)

        @Sendable func countByDayAndName(_ days: ArraySlice<Int32>) throws -> [Int32: [String: Int]] {
            var out: [Int32: [String: Int]] = [:]
            for day in days {
                var request = ScanRequest(days: day...day)
                request.uidsAndTimes = false
                let cursor = try snapshot.scan(request)
                var counts: [UInt32: Int] = [:]
                var names: [String] = []
                while let b = try cursor.next() {
                    names = b.names
                    var local = [Int](repeating: 0, count: b.names.count)
                    b.nameIds.withUnsafeBufferPointer { ids in for id in ids { local[Int(id)] += 1 } }
                    for (i, c) in local.enumerated() where c > 0 { counts[UInt32(i), default: 0] += c }
                }
                out[day] = Dictionary(uniqueKeysWithValues: counts.map { (names[Int($0.key)], $0.value) })
            }
            return out
        }
        for (label, threads) in [("cold, 2 threads", 2), ("cold, 1 thread", 1), ("hot, 1 thread", 1), ("hot, 2 threads", 2)] {
            if label.hasPrefix("cold") { store.cache.removeAll() }
            let t = Date()
            var total = 0
            if threads == 1 {
                total = try countByDayAndName(days[...]).values.reduce(0) { $0 + $1.values.reduce(0, +) }
            } else {
                let halves = [days[..<(days.count / 2)], days[(days.count / 2)...]]
                let totals = Mutex2()
                DispatchQueue.concurrentPerform(iterations: 2) { i in
                    let n = (try? countByDayAndName(halves[i]).values.reduce(0) { $0 + $1.values.reduce(0, +) }) ?? -1
                    totals.add(n)
                }
                total = totals.value
            }
            let s = Date().timeIntervalSince(t)
            let rss = rssMB()
            print(String(format: "scan count by (day, event) %@: %.3f s, %.0f M rows/s, RSS %.0f MB (%d rows)",
                         label, s, Double(total) / s / 1e6, rss, total))
            result.rows = total
            result.runs.append((label, s, Double(total) / s, rss))
        }
        let usage = store.cache.usage
        print("cache: \(usage.bytes >> 20) MiB held, \(usage.hits) hits, \(usage.misses) misses")
        return result
    }
}

final class Mutex2: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0
    func add(_ n: Int) { lock.lock(); sum += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return sum }
}
