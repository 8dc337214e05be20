// `apus serve`: start the server on a data folder (created with defaults on first start).

import ApusModel
import ApusServer
import ApusStore
import ApusStoreCore
import ArgumentParser
import Logging
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the Apus server.")

    @Option(help: "Address to bind (env APUS_HOST). Loopback by default.")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (env APUS_PORT).")
    var port: Int?

    @OptionGroup var data: DataOptions

    @Option(help: "durable: answer after fsync (default). relaxed: answer after write, fsync right after; a power loss can lose the last acknowledged events (env APUS_DURABILITY).")
    var durability: String?

    @Option(help: "Flush the memtable into columnar parts once it holds this many events (env APUS_FLUSH_ROWS).")
    var flushRows: Int?

    @Option(help: "Bytes of decoded column chunks kept in memory for queries and export, across all projects (env APUS_CACHE_BYTES; default 536870912, 512 MiB).")
    var cacheBytes: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env APUS_LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "Close a keep-alive connection idle this many seconds (env APUS_IDLE_TIMEOUT; default 60).")
    var idleTimeout: Double?

    @Option(help: "Close a connection whose request headers take longer than this many seconds (env APUS_HEADER_TIMEOUT; default 20).")
    var headerTimeout: Double?

    @Option(help: "Close a connection whose request body pauses this many seconds, or arrives slower than 1 KB/s after that (env APUS_BODY_TIMEOUT; default 30).")
    var bodyTimeout: Double?

    @Option(help: "Bytes all request bodies may hold while read and parsed; over it new bodies get 503 (env APUS_BODY_BUDGET; default 1/16 of memory, 64 MiB to 512 MiB).")
    var bodyBudget: Int?

    @Option(help: "Per-project Query API queries per sliding hour; over it 429 with Retry-After (env APUS_QUERY_RATE; default unlimited; Mixpanel's is 60).")
    var queryRate: Int?

    @Option(help: "Per-project Query API queries running at once; over it 429 (env APUS_QUERY_CONCURRENCY; default unlimited; Mixpanel's is 5).")
    var queryConcurrency: Int?

    @Option(help: "Seconds a query may run before it is stopped with an error (env APUS_QUERY_TIMEOUT; default 60).")
    var queryTimeout: Double?

    @Option(name: .customLong("geoip-db"), help: "A MaxMind DB city database (e.g. DB-IP City Lite) for IP geolocation of events and profiles (env APUS_GEOIP_DB; default none: no geolocation).")
    var geoipDatabase: String?

    func validate() throws {
        let text = durability ?? Environment.value("APUS_DURABILITY") ?? "durable"
        guard Durability(rawValue: text) != nil else {
            throw ValidationError("--durability must be durable or relaxed, not \(text)")
        }
        if let rows = flushRows ?? Environment.value("APUS_FLUSH_ROWS").flatMap(Int.init), rows <= 0 {
            throw ValidationError("--flush-rows must be positive")
        }
        for (name, value) in [("--idle-timeout", idle), ("--header-timeout", header), ("--body-timeout", body)] {
            if let value, !(value > 0 && value <= 86_400) {
                throw ValidationError("\(name) must be a number of seconds above 0 and at most 86400")
            }
        }
        if let bytes = budget, bytes < 1 << 20 {
            throw ValidationError("--body-budget must be at least 1048576 bytes (1 MiB)")
        }
        for (name, value) in [("--query-rate", queryRate), ("--query-concurrency", queryConcurrency)] {
            if let value, value < 1 { throw ValidationError("\(name) must be 1 or more") }
        }
        if let seconds = queryTimeout, !(seconds > 0) { throw ValidationError("--query-timeout must be a positive number of seconds") }
        if let bytes = cache, bytes < 1 << 20 {
            throw ValidationError("--cache-bytes must be at least 1048576 bytes (1 MiB)")
        }
    }

    private var idle: Double? { idleTimeout ?? Environment.value("APUS_IDLE_TIMEOUT").flatMap(Double.init) }
    private var header: Double? { headerTimeout ?? Environment.value("APUS_HEADER_TIMEOUT").flatMap(Double.init) }
    private var body: Double? { bodyTimeout ?? Environment.value("APUS_BODY_TIMEOUT").flatMap(Double.init) }
    private var budget: Int? { bodyBudget ?? Environment.value("APUS_BODY_BUDGET").flatMap(Int.init) }
    private var cache: Int? { cacheBytes ?? Environment.value("APUS_CACHE_BYTES").flatMap(Int.init) }

    func run() async throws {
        DataOptions.restrictNewFiles()
        MemoryTuning.returnLargeAllocationsToTheSystem()
        var config = ServerConfiguration(dataDirectory: data.directory)
        config.host = host ?? Environment.value("APUS_HOST") ?? "127.0.0.1"
        if let p = port ?? Environment.value("APUS_PORT").flatMap(Int.init) { config.port = p }
        let durabilityText = durability ?? Environment.value("APUS_DURABILITY") ?? "durable"
        guard let d = Durability(rawValue: durabilityText) else {
            throw ValidationError("--durability must be durable or relaxed, not \(durabilityText)")
        }
        config.store.durability = d
        if let rows = flushRows ?? Environment.value("APUS_FLUSH_ROWS").flatMap(Int.init) {
            guard rows > 0 else { throw ValidationError("--flush-rows must be positive") }
            config.store.flushRowsMax = rows
        }
        if let idle { config.timeouts.idleSeconds = idle }
        if let header { config.timeouts.headerSeconds = header }
        if let body { config.timeouts.bodySeconds = body }
        if let budget { config.bodyBudget = BodyBudgetLimits(bytesMax: budget) }
        if let cache { config.store.cacheBytesMax = cache }
        config.queryLimits = QueryLimits(perHour: queryRate ?? Environment.value("APUS_QUERY_RATE").flatMap(Int.init),
                                         concurrentMax: queryConcurrency ?? Environment.value("APUS_QUERY_CONCURRENCY").flatMap(Int.init))
        if let seconds = queryTimeout ?? Environment.value("APUS_QUERY_TIMEOUT").flatMap(Double.init) {
            config.queryDurationMaxSeconds = seconds
        }
        config.geoDatabasePath = geoipDatabase ?? Environment.value("APUS_GEOIP_DB")
        config.seedProjectID = Environment.value("APUS_PROJECT_ID").flatMap(Int64.init)
        config.seedProjectToken = Environment.value("APUS_PROJECT_TOKEN")
        config.seedServiceAccount = Environment.value("APUS_SERVICE_ACCOUNT")

        var logger = Logger(label: "apus")
        logger.logLevel = Logger.Level(rawValue: logLevel ?? Environment.value("APUS_LOG_LEVEL") ?? "info") ?? .info

        // One process per data folder (a second server, or an `apus import`, is refused).
        let lock: DataFolderLock
        do throws(StoreError) { lock = try DataFolderLock(directory: config.store.dataDirectory, purpose: "serve") } catch {
            Console.error("apus serve: \(error.message)")
            throw ExitCode(1)
        }
        defer { lock.release() }

        let (state, bootstrap) = try ApusServer.open(config, logger: logger)
        if let b = bootstrap {
            Console.print("""
                Apus created a new data folder at \(config.store.dataDirectory)
                  project id:       \(b.project.id)
                  project token:    \(b.project.token)
                  project secret:   \(b.projectSecret)   (legacy API secret, shown once)
                  service account:  \(b.accountUsername)   (role: owner)
                """)
            if let secret = b.accountSecret {
                Console.print("  account secret:   \(secret)   (shown once: store it now)")
            }
        }
        let host = config.host
        let port = config.port
        do {
            try await ApusServer.run(state: state) { port in
                Console.print("apus listening on http://\(host):\(port)")
            }
        } catch where "\(error)".contains("Address already in use") {
            throw ValidationError("\(host):\(port) is already in use (another apus?); choose another port with --port or APUS_PORT")
        }
    }
}

/// Line-buffered stdout, flushed at once so that scripts reading the output see it.
enum Console {
    static func print(_ text: String) {
        Swift.print(text)
        fflush(nil)
    }

    /// A line on stderr (progress, warnings), so stdout stays for results.
    static func error(_ text: String) {
        fflush(nil)
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

#if canImport(Glibc)
import Glibc
#endif
