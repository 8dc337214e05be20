// swift-tools-version:6.1
// Apus: a self-hosted, Mixpanel-compatible product-analytics server.
// Dependencies are named once here; targets follow in import order (see ARCHITECTURE.md).
import PackageDescription

// The small value modules that hot loops elsewhere call into (byte parsing, binary codecs,
// hashing) offer their function bodies to the modules that import them, so a release build can
// inline across the module boundary.
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "apus",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "apus", targets: ["ApusCLI"]),
    ],
    dependencies: [
        // HTTP server (only ApusServer imports it).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // SQLite for the catalog: projects, service accounts (ApusCatalog).
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The `apus` command line (only ApusCLI imports it).
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // HTTP field types (already under Hummingbird; named so ApusServer can spell them).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // NIO (already under Hummingbird; named so ApusServer can add its connection guard to
        // the channel pipeline and run large-body parsing on its own thread pool).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // zlib, for gzip request bodies (Content-Encoding: gzip) and gzip export responses.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // zstd, for the cold column chunks of parts.
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        // libmaxminddb, for IP geolocation from a DB-IP / MaxMind city database (optional at run time).
        .systemLibrary(name: "CMaxMindDB", path: "Sources/CMaxMindDB"),
        // CRC-32C with the processor's instruction (the store's checksums).
        .target(name: "CCRC32C"),
        // A cache prefetch hint (header only).
        .systemLibrary(name: "CPrefetch", path: "Sources/CPrefetch"),

        // Values only: JSON, events, errors. No I/O.
        .target(name: "ApusModel", swiftSettings: crossModule),

        // Mixpanel's segmentation-expression language (`where`, `on`): parser, canonical printer,
        // reference evaluator (the oracle) and the static analysis query planners need.
        .target(name: "ApusExpression", dependencies: ["ApusModel"]),

        // The seams: the EventStore protocol, the store's error, the file-system protocol and
        // its POSIX implementation. No store logic.
        .target(name: "ApusStoreCore", dependencies: ["ApusModel"], swiftSettings: crossModule),

        // The embedded event store: WAL, memtable, columnar parts, compaction.
        .target(name: "ApusStore", dependencies: [
            "ApusModel", "ApusStoreCore", "CZstd", "CCRC32C", "CPrefetch",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Projects and service accounts (SQLite through GRDB).
        .target(name: "ApusCatalog", dependencies: [
            "ApusModel",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // Wire decoding, validation and normalisation of every ingestion format, and writing
        // what was accepted through the EventStore seam.
        .target(name: "ApusIngest", dependencies: ["ApusModel", "ApusStoreCore", "CZlib", "CMaxMindDB"]),

        // Report engines (segmentation, discovery; funnels and retention later) over EventStore
        // scans; answers as plain values, the Mixpanel shapes are made at the HTTP edge.
        .target(name: "ApusQuery", dependencies: ["ApusModel", "ApusExpression", "ApusStoreCore"]),

        // HTTP: routes, middleware, auth, error mapping.
        .target(name: "ApusServer", dependencies: [
            "ApusModel", "ApusStoreCore", "ApusStore", "ApusCatalog", "ApusIngest", "ApusExpression", "ApusQuery", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),

        // The `apus` executable.
        .executableTarget(name: "ApusCLI", dependencies: [
            "ApusServer", "ApusStoreCore", "ApusStore", "ApusCatalog", "ApusModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Seeded random, manual clock, workload generator, temp folders, a fault-injecting
        // file system, and naive reference implementations of the reports (the oracles).
        .target(name: "ApusTesting", dependencies: ["ApusModel", "ApusStoreCore", "ApusStore", "ApusExpression", "ApusQuery"]),

        // Release-mode benchmarks against peer engines (results in BENCHMARKS.md).
        .executableTarget(name: "apus-ingest-bench", dependencies: [
            "ApusTesting", "ApusModel", "ApusStoreCore", "ApusStore", "ApusIngest", "ApusExpression", "ApusQuery",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/IngestBenchmark", swiftSettings: [.swiftLanguageMode(.v5)]),

        // libFuzzer targets for the ingestion decoders and the expression language (Fuzz/README.md).
        // scripts/fuzz builds it with sanitizers; a plain build makes a driver that replays saved
        // inputs.
        .executableTarget(name: "apus-fuzz", dependencies: ["ApusIngest", "ApusModel", "ApusStoreCore", "ApusExpression", "CZlib"],
                          path: "Fuzz/ApusFuzz"),

        .testTarget(name: "ApusModelTests", dependencies: ["ApusModel"]),
        .testTarget(name: "ApusExpressionTests", dependencies: ["ApusExpression", "ApusModel"]),
        .testTarget(name: "ApusStoreTests", dependencies: ["ApusStore", "ApusStoreCore", "ApusModel", "ApusTesting"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ApusCatalogTests", dependencies: ["ApusCatalog", "ApusModel", "ApusTesting"]),
        .testTarget(name: "ApusIngestTests", dependencies: ["ApusIngest", "ApusModel", "ApusStoreCore", "ApusTesting"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ApusServerTests", dependencies: [
            "ApusServer", "ApusStoreCore", "ApusStore", "ApusCatalog", "ApusModel", "ApusIngest", "ApusTesting",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ApusQueryTests", dependencies: ["ApusQuery", "ApusExpression", "ApusStoreCore", "ApusStore", "ApusModel", "ApusTesting"]),
        .testTarget(name: "ApusCLITests", dependencies: ["ApusModel"]),
        .testTarget(name: "ApusTestingTests", dependencies: ["ApusTesting"]),
    ]
)
