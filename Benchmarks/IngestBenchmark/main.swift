// Ingestion benchmark: HTTP /import with 2000-event batches from 4 concurrent keep-alive
// clients against a release `apus serve` in durable mode, and the same events inserted into
// SQLite (WAL, synchronous=FULL, one transaction per batch) in the same run. Prints events/s,
// MB/s and the ratio. Usage:
//   .build/release/apus-ingest-bench [--apus PATH] [--events N] [--clients C] [--batch B] [--durability durable|relaxed]
//                                    [--keep-data DIR]   (ingest into DIR and leave it, to measure reads)
//   … --profile-folder DIR [--users N] [--peer-work DIR]  (profiles and user["plan"]; see ProfileRun.swift)
//   … --profile-folder DIR --reopen-only  (the folder's open time with its profiles, three times)
//   … --import-phases FILE [--events N]              (apus import's steps one at a time)
//   … --flush-only | --decode-only | --scan-only      (in-process parts of the path; see BENCHMARKS.md)
//   … --scan-folder DIR [--project P]                 (the --import-scan count by (day, event) over an existing folder)
//   … --import-scan [--events N] [--users U] [--days D] [--work DIR] [--python PY | --no-peers]
//                                                     (apus import, open, scan, export vs DuckDB and Parquet)
//   … --import-scan … --input-only                    (only write its NDJSON input files to DIR/input)
//   … --query-folder DIR [--project P] [--cache-bytes B] [--peer-input DIR --peer-work DIR]
//                                                     (Query API reports over an existing folder, vs DuckDB and ClickHouse)

import ApusStore
import ApusTesting
import Foundation

var args = CommandLine.arguments.dropFirst()
func option(_ name: String, _ fallback: String) -> String {
    if let i = args.firstIndex(of: name), args.index(after: i) < args.endIndex { return args[args.index(after: i)] }
    return fallback
}
let apusPath = option("--apus", URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("apus").path)
let totalEvents = Int(option("--events", "1000000"))!
let clients = Int(option("--clients", "4"))!
let batchSize = Int(option("--batch", "2000"))!
let durability = option("--durability", "durable")
let seed: UInt64 = 42

if args.contains("--scan-folder") {
    // The count by (day, event) of --import-scan over an existing folder, default cache.
    let scan = try ScanRun.scanFolder(config: StoreConfiguration(dataDirectory: option("--scan-folder", "./data")),
                                      project: Int64(option("--project", "1"))!)
    for r in scan.runs { print(String(format: "count by (day, event), %@: %.0fM rows/s (RSS %.0f MB)", r.label, r.rowsPerSecond / 1e6, r.rssMB)) }
    exit(0)
}
if args.contains("--scan-only") {
    try await ScanRun.measure(events: totalEvents)
    exit(0)
}

if args.contains("--import-scan") && args.contains("--input-only") {
    let files = try ImportRun.writeInput(events: totalEvents, users: Int(option("--users", "1000000"))!, days: Int(option("--days", "90"))!,
                                         directory: option("--work", NSTemporaryDirectory() + "apus-import-bench") + "/input")
    print(files.joined(separator: "\n"))
    exit(0)
}
if args.contains("--import-scan") {
    try ImportRun.measure(apus: apusPath, events: totalEvents, users: Int(option("--users", "1000000"))!,
                          days: Int(option("--days", "90"))!, work: option("--work", NSTemporaryDirectory() + "apus-import-bench"),
                          python: args.contains("--no-peers") ? nil : option("--python", ".venv-bench/bin/python"))
    exit(0)
}

if args.contains("--import-phases") {
    try ImportPhasesRun.measure(file: option("--import-phases", ""), events: Int(option("--events", "1000000"))!)
    exit(0)
}

if args.contains("--query-folder") {
    try QueryRun.measure(folder: option("--query-folder", "./data"), project: Int64(option("--project", "1"))!,
                         cacheBytes: Int(option("--cache-bytes", String(512 << 20)))!, only: Int(option("--only", "")),
                         peers: args.contains("--peer-input")
                            ? (option("--python", ".venv-bench/bin/python"), option("--peer-input", ""), option("--peer-work", NSTemporaryDirectory() + "apus-query-peers"))
                            : nil)
    exit(0)
}

if args.contains("--profile-folder") && args.contains("--reopen-only") {
    try ProfileRun.reopen(folder: option("--profile-folder", "./data"), project: Int64(option("--project", "1"))!, times: 3)
    exit(0)
}
if args.contains("--profile-folder") {
    try await ProfileRun.measure(folder: option("--profile-folder", "./data"), project: Int64(option("--project", "1"))!,
                                 users: Int(option("--users", "1000000"))!,
                                 peers: args.contains("--peer-work") ? (option("--python", ".venv-bench/bin/python"), option("--peer-work", "")) : nil)
    exit(0)
}

if args.contains("--scan-folder") {
    // An existing data folder (e.g. the one --import-scan leaves in --work DIR/apus).
    var config = StoreConfiguration(dataDirectory: option("--scan-folder", "./data"))
    config.cacheBytesMax = Int(option("--cache-bytes", String(512 << 20)))!
    _ = try ScanRun.scanFolder(config: config, project: Int64(option("--project", "1"))!)
    exit(0)
}

if args.contains("--flush-only") {
    try FlushRun.measure(events: totalEvents)
    exit(0)
}

print("Generating \(totalEvents) events (seed \(seed), \(batchSize) per batch)…")
var generator = WorkloadGenerator(seed: seed)
let bodies: [[UInt8]] = (0..<(totalEvents / batchSize)).map { _ in generator.batchBody(count: batchSize) }
let eventCount = bodies.count * batchSize
let jsonBytes = bodies.reduce(0) { $0 + $1.count }
print("  \(eventCount) events, \(jsonBytes / eventCount) bytes/event of JSON, \(jsonBytes >> 20) MiB")

if args.contains("--decode-only") {
    try DecodeRun.measure(bodies: bodies)
    exit(0)
}

let machine = MachineInfo.describe()
print("Machine: \(machine)")

// Each phase starts with the disk quiet: earlier phases' dirty pages are written back first,
// so neither engine pays for the other's writeback.
sync()
let apus = try ApusRun.measure(binary: apusPath, bodies: bodies, clients: clients, durability: durability,
                                keepData: args.contains("--keep-data") ? option("--keep-data", "") : nil)
sync()
let sqlite = try SQLiteRun.measure(bodies: bodies)

func row(_ name: String, _ seconds: Double) -> String {
    let eps = Double(eventCount) / seconds
    let mbps = Double(jsonBytes) / seconds / 1_048_576
    return "| \(name) | \(String(format: "%.2f", seconds)) s | \(String(format: "%.0f", eps)) | \(String(format: "%.1f", mbps)) |"
}
print("")
print("| engine | wall time | events/s | MB/s (JSON) |")
print("|---|---|---|---|")
print(row("Apus /import over HTTP (\(clients) clients, \(durability))", apus.seconds))
print(row("SQLite 3 (WAL, synchronous=FULL, json_each insert, 1 txn/batch)", sqlite))
print("")
print(String(format: "Apus / SQLite: %.2f× events/s", sqlite / apus.seconds))
