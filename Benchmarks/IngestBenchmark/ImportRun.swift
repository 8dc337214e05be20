// The load-and-scan benchmark (issue targets in BENCHMARKS.md): N seeded events (time-ordered,
// like an export) written as NDJSON files, loaded with `apus import`; then bytes per event,
// open time and RSS, a full count by (day, event) through the scan API, and a full NDJSON
// export over HTTP from `apus serve`. In the same run the same files go through DuckDB
// (Benchmarks/peers/duckdb_peer.py): load, zstd Parquet, GROUP BY, NDJSON out.

import ApusModel
import ApusStore
import ApusStoreCore
import ApusTesting
import Foundation

enum ImportRun {
    static let eventsPerFile = 10_000_000

    static func measure(apus: String, events: Int, users: Int, days: Int, work: String, python: String?) throws {
        let fm = FileManager.default
        let input = work + "/input"
        let data = work + "/apus"
        try? fm.removeItem(atPath: data)
        try fm.createDirectory(atPath: input, withIntermediateDirectories: true)
        let files = try writeInput(events: events, users: users, days: days, directory: input)
        let inputBytes = files.reduce(0) { $0 + fileSize($1) }
        print("Machine: \(MachineInfo.describe())")
        print("input: \(events) events, \(users) users, \(days) days, \(files.count) NDJSON files, \(inputBytes / events) bytes/event")

        _ = try run(apus, ["projects", "create", "--data", data, "--name", "bench", "--id", "1"])
        sync()
        let t0 = Date()
        let (status, importRSS) = try runMeasured(apus, ["import", "--data", data, "--project", "1"] + files)
        let importSeconds = Date().timeIntervalSince(t0)
        guard status == 0 else { throw BenchError("apus import exited \(status)") }
        print(String(format: "apus import: %.1f s, %.0f events/s, peak RSS %.0f MB", importSeconds, Double(events) / importSeconds, importRSS))

        let projectDir = data + "/projects/1"
        let partBytes = try fm.contentsOfDirectory(atPath: projectDir + "/parts").reduce(0) { $0 + fileSize(projectDir + "/parts/" + $1) }
        let uidBytes = fileSize(projectDir + "/user-ids")
        let apusBytes = Double(partBytes + uidBytes) / Double(events)
        print(String(format: "on disk: %.2f bytes/event (parts %.2f, user ids %.2f)", apusBytes, Double(partBytes) / Double(events), Double(uidBytes) / Double(events)))

        let config = StoreConfiguration(dataDirectory: data) // the default cache, as `apus serve` has
        let scan = try ScanRun.scanFolder(config: config, project: 1)

        guard scan.rows == events else { throw BenchError("the scan counted \(scan.rows) events, not \(events)") }
        let export = try exportOverHTTP(apus: apus, data: data, events: events)

        var peer: [String: Double] = [:]
        if let python {
            print("DuckDB: loading the same files…")
            let out = try run(python, [URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("peers/duckdb_peer.py").path, work + "/duckdb"] + files)
            let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] ?? [:]
            for (k, v) in object { if let d = (v as? NSNumber)?.doubleValue { peer[k] = d } }
            print("DuckDB: \(out.trimmingCharacters(in: .whitespacesAndNewlines))")
        }

        let bestScan = scan.runs.filter { $0.label.hasPrefix("cold, 2") }.first ?? scan.runs[0]
        print("")
        print("| measure | Apus | DuckDB | zstd Parquet | Apus vs peer |")
        print("|---|---|---|---|---|")
        let n = Double(events)
        if let load = peer["load_s"] {
            print(String(format: "| load %d events (events/s) | %.0f (`apus import`) | %.0f (`read_ndjson` → table) | — | %.2f× |", events, n / importSeconds, n / load, load / importSeconds))
        } else {
            print(String(format: "| load (events/s) | %.0f | — | — | — |", n / importSeconds))
        }
        if let db = peer["duckdb_bytes"], let pq = peer["parquet_bytes"] {
            print(String(format: "| bytes per event on disk | %.2f | %.2f | %.2f | %.2f× Parquet, %.2f× DuckDB |", apusBytes, db / n, pq / n, apusBytes / (pq / n), apusBytes / (db / n)))
        }
        print(String(format: "| open the folder | %.3f s, RSS %.0f MB | — | — | — |", scan.openSeconds, scan.rssAfterOpenMB))
        for r in scan.runs {
            var ratio = "—"
            if let g = peer["groupby_s"] { ratio = String(format: "%.2f×", g / r.seconds) }
            print(String(format: "| count by (day, event), %@ (rows/s) | %.0fM (RSS %.0f MB) | %@ | — | %@ |", r.label, r.rowsPerSecond / 1e6, r.rssMB,
                         peer["groupby_s"].map { String(format: "%.0fM (`GROUP BY`, hot, 2 threads)", n / $0 / 1e6) } ?? "—", ratio))
        }
        _ = bestScan
        var exportRatio = "—"
        if let e = peer["ndjson_export_s"] { exportRatio = String(format: "%.2f×", e / export.seconds) }
        print(String(format: "| full NDJSON export (events/s) | %.0f (HTTP, server peak RSS %.0f MB) | %@ | — | %@ |", n / export.seconds, export.peakRSS,
                     peer["ndjson_export_s"].map { String(format: "%.0f (`COPY … (FORMAT json)`)", n / $0) } ?? "—", exportRatio))
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }

    /// NDJSON in Mixpanel's raw-export shape, `eventsPerFile` per file; reused when present.
    static func writeInput(events: Int, users: Int, days: Int, directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tag = "\(events)-\(users)-\(days)"
        let marker = directory + "/params"
        let count = (events + eventsPerFile - 1) / eventsPerFile
        let files = (0..<count).map { directory + String(format: "/events-%03d.ndjson", $0) }
        if (try? String(contentsOfFile: marker, encoding: .utf8)) == tag { return files }
        print("writing \(events) events as NDJSON…")
        var options = WorkloadGenerator.Options()
        options.users = users
        options.days = days
        options.startMs = 1_735_689_600_000
        options.timeOrderedOver = events
        var generator = WorkloadGenerator(seed: 42, options: options)
        var left = events
        for path in files {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            var buffer: [UInt8] = []
            for _ in 0..<min(left, eventsPerFile) {
                let e = generator.nextEvent()
                var props: [JSONMember] = [
                    JSONMember("time", .number(Double(e.timeMs / 1000))),
                    JSONMember("distinct_id", .string(e.distinctId)),
                    JSONMember("$insert_id", .string(e.insertId)),
                ]
                props.append(contentsOf: e.properties)
                JSONWriter.write(.object([JSONMember("event", .string(e.name)), JSONMember("properties", .object(props))]), into: &buffer)
                buffer.append(0x0A)
                if buffer.count > 8 << 20 {
                    handle.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            handle.write(Data(buffer))
            try handle.close()
            left -= eventsPerFile
        }
        try tag.write(toFile: marker, atomically: true, encoding: .utf8)
        return files
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("\(tool) \(arguments.prefix(2)) exited \(p.terminationStatus)") }
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs a child to the end; returns its status and its peak RSS in MB.
    static func runMeasured(_ tool: String, _ arguments: [String]) throws -> (Int32, Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        try p.run()
        var peak = 0.0
        while p.isRunning {
            peak = max(peak, rss(of: p.processIdentifier))
            usleep(200_000)
        }
        return (p.terminationStatus, peak)
    }

    static func rss(of pid: Int32) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "0").map { $0 / 1024 } ?? 0
    }

    /// Starts `apus serve` on the folder and times a full export with curl.
    static func exportOverHTTP(apus: String, data: String, events: Int) throws -> (seconds: Double, peakRSS: Double) {
        let account = try run(apus, ["accounts", "create", "--data", data, "--username", "bench-\(UInt32.random(in: 0...UInt32.max))", "--role", "owner", "--project", "1"])
        let user = account.split(separator: "\n").first { $0.hasPrefix("service account:") }.map { String($0.split(separator: " ").last!) } ?? ""
        let secret = account.split(separator: "\n").first { $0.hasPrefix("secret:") }.map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? ""
        let port = 18_000 + Int.random(in: 0..<2000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: apus)
        server.arguments = ["serve", "--data", data, "--port", "\(port)", "--log-level", "warning"]
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        for _ in 0..<100 {
            if (try? run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/healthz"])) != nil { break }
            usleep(100_000)
        }
        let peak = PeakRSS(pid: server.processIdentifier)
        let t = Date()
        let out = try run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{size_download}", "-u", "\(user):\(secret)",
                                            "http://127.0.0.1:\(port)/api/2.0/export?project_id=1&from_date=2000-01-01&to_date=2099-12-31"])
        let seconds = Date().timeIntervalSince(t)
        let peakMB = peak.stop()
        print(String(format: "export over HTTP: %.1f s, %.0f events/s, %@ bytes, server peak RSS %.0f MB", seconds, Double(events) / seconds, out, peakMB))
        return (seconds, peakMB)
    }

    final class PeakRSS: @unchecked Sendable {
        private let lock = NSLock()
        private var peak = 0.0
        private var running = true
        init(pid: Int32) {
            Thread.detachNewThread { [self] in
                while true {
                    let r = ImportRun.rss(of: pid)
                    lock.lock()
                    peak = max(peak, r)
                    let go = running
                    lock.unlock()
                    if !go { return }
                    usleep(100_000)
                }
            }
        }
        func stop() -> Double {
            lock.lock()
            defer { lock.unlock() }
            running = false
            return peak
        }
    }
}
