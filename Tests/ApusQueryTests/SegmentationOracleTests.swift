// Segmentation-style reports agree with the naive oracle on seeded workloads: duplicates,
// users across days, rows in parts and in the memtable, every unit and count type, and
// project timezones with daylight-saving changes and half-hour offsets.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStore
import ApusStoreCore
import ApusTesting
import Logging
import Testing

struct SegmentationOracleTests {
    enum Storage: String, CaseIterable {
        /// The in-memory reference store.
        case memory
        /// The embedded store: half the events in parts, half in the memtable.
        case partsAndMemtable
        /// The embedded store, every event in parts (blocks come straight from the part
        /// reader, without times when a report needs none: the kernels' whole-day paths).
        case parts
    }

    /// Zones with a DST change inside the workload (New York 2025-03-09, Lord Howe's
    /// half-hour change 2025-04-06), a half-hour offset, and UTC.
    static let zones = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]

    static func load(_ storage: Storage, _ events: [Event]) async throws -> (any EventStore, TempDirectory?) {
        switch storage {
        case .memory:
            let store = InMemoryEventStore()
            try store.openProject(1)
            _ = try await store.append(events: events, to: 1, receivedMs: 0)
            return (store, nil)
        case .partsAndMemtable:
            let dir = TempDirectory()
            let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: Logger(label: "test"))
            try store.openProject(1)
            let half = events.count / 2
            _ = try await store.append(events: Array(events[..<half]), to: 1, receivedMs: 0)
            store.flushAll()
            _ = try await store.append(events: Array(events[half...]), to: 1, receivedMs: 0)
            return (store, dir)
        case .parts:
            let dir = TempDirectory()
            let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: dir.path), logger: Logger(label: "test"))
            try store.openProject(1)
            _ = try await store.append(events: events, to: 1, receivedMs: 0)
            store.flushAll()
            return (store, dir)
        }
    }

    static func workload(seed: UInt64, startMs: Int64) -> [Event] {
        var w = MixedWorkload(seed: seed)
        w.startMs = startMs
        w.days = 6
        return w.events(1500)
    }

    func compare(_ query: SegmentationQuery, storage: Storage, zone: String, events: [Event], expectRows: Bool? = true,
                 numericOn: ApusExpression.Expression? = nil) async throws {
        let (store, dir) = try await Self.load(storage, events)
        defer { store.close(); dir?.remove() }
        let snapshot = try store.snapshot(of: 1)
        let rows = try ScanRows.collect(snapshot, .everything(days: Int32.min...Int32.max)).rows
        let want: TimeSeriesResult, got: TimeSeriesResult
        if let on = numericOn {
            want = SegmentationOracle.numeric(query, on: on, rows: rows, zone: zone)
            got = try SegmentationRunner.runNumeric(query, on: on, snapshot: snapshot, zone: ProjectTimeZone(identifier: zone)!)
        } else {
            want = SegmentationOracle.run(query, rows: rows, zone: zone)
            got = try SegmentationRunner.run(query, snapshot: snapshot, zone: ProjectTimeZone(identifier: zone)!)
        }
        #expect(got.series == want.series, "\(zone) \(query.unit) series")
        #expect(got.segments.map(\.name) == want.segments.map(\.name))
        for (g, w) in zip(got.segments, want.segments) {
            if let i = g.values.indices.first(where: { abs(g.values[$0] - w.values[$0]) > 1e-9 }) {
                Issue.record("\(zone) \(query.unit) \(query.type) \(g.name) at \(got.series[i]): got \(g.values[i]), want \(w.values[i])")
            }
        }
        if let expectRows {
            #expect(want.segments.contains { $0.values.contains { $0 > 0 } } == expectRows, "the workload falls in the range")
        }
    }

    /// Every unit and count type, in every zone, from parts and memtable alike.
    @Test(arguments: Storage.allCases, zones)
    func countsMatchTheOracle(storage: Storage, zone: String) async throws {
        // 2025-03-06 00:00 UTC: six days across New York's change to summer time.
        let events = Self.workload(seed: 7, startMs: 1_741_219_200_000)
        let from = CivilDate(year: 2025, month: 3, day: 6)!, to = CivilDate(year: 2025, month: 3, day: 11)!
        for unit in TimeUnit.allCases {
            for type in CountType.allCases where !(type != .general && unit == .minute) {
                let q = SegmentationQuery(events: ["Viewed", "Bought", "Ünïcødé ✓", "Never Sent"], from: from, to: to, unit: unit, type: type)
                try await compare(q, storage: storage, zone: zone, events: events)
            }
        }
        let q = SegmentationQuery(events: ["Signed Up"], from: from, to: to, intervalDays: 4, type: .unique)
        try await compare(q, storage: storage, zone: zone, events: events)
    }

    /// Segments by a property's values: strings, numbers and booleans of a key that mixes
    /// types (nulls, lists and absent rows left out), the top `limit` by total, a `values` filter.
    @Test(arguments: Storage.allCases, ["UTC", "America/New_York"])
    func propertySegmentsMatchTheOracle(storage: Storage, zone: String) async throws {
        let events = Self.workload(seed: 5, startMs: 1_741_219_200_000)
        let from = CivilDate(year: 2025, month: 3, day: 6)!, to = CivilDate(year: 2025, month: 3, day: 11)!
        for type in CountType.allCases {
            for (key, values, limit) in [("plan", nil, nil), ("amount", nil, 7), ("amount", ["true", "5", "pro"], nil),
                                         ("big \"key\"", nil, nil), ("nobody", nil, nil)] as [(String, [String]?, Int?)] {
                let q = SegmentationQuery(events: ["Viewed", "Bought", "Ünïcødé ✓"], from: from, to: to, unit: .day, type: type,
                                          segmentBy: .property(key), values: values, limit: limit)
                try await compare(q, storage: storage, zone: zone, events: events, expectRows: key != "nobody")
            }
        }
    }

    static let filters = [
        #"properties["plan"] == "pro""#, #"properties["amount"] > 10"#, #"defined(properties["tags"])"#,
        #""a" in properties["tags"]"#, #"not defined(properties["amount"]) or properties["plan"] in ["free", "team"]"#,
        #"number(properties["amount"]) >= 50"#, #"event["$time"] >= datetime("2025-03-08T00:00:00")"#,
        #"properties["time"] < 1741400000"#, #"properties["distinct_id"] == "u3""#, #"upper(properties["plan"]) == "PRO""#,
        #"properties["meta"] == "x" or properties["big \"key\""] < 0"#,
        // Column loops (and their row-by-row fallback) over a key of mixed types.
        #"properties["amount"] != 5"#, #"not (properties["amount"] <= 20)"#, #"properties["plan"] in ["pro", 3, null]"#,
        #"properties["amount"] == null"#, #"properties["amount"] == true"#, #"10 < properties["amount"]"#,
        #"properties["plan"] > "a""#, #"not (properties["plan"] == "free" or defined(properties["meta"]))"#,
        #"properties["tags"] == "a" or properties["amount"] >= -1"#,
    ]
    static let ons = [
        #"properties["plan"]"#, #"properties["amount"]"#, #"string(properties["amount"], "none")"#,
        #"floor(number(properties["amount"]) / 10)"#, #"boolean(properties["plan"])"#, #"properties["tags"]"#,
    ]

    /// `where` filters and `on` expressions over mixed types, lists and objects: the engine
    /// (columns, row by row through the reference evaluator) and the oracle (decoded events)
    /// agree.
    @Test(arguments: Storage.allCases)
    func whereAndOnMatchTheOracle(storage: Storage) async throws {
        let events = Self.workload(seed: 9, startMs: 1_741_219_200_000)
        let from = CivilDate(year: 2025, month: 3, day: 6)!, to = CivilDate(year: 2025, month: 3, day: 11)!
        for text in Self.filters {
            let filter = try ExpressionParser.parse(text)
            for type in [CountType.general, .unique] {
                let q = SegmentationQuery(events: ["Viewed", "Bought", "Ünïcødé ✓"], from: from, to: to, type: type, filter: filter)
                try await compare(q, storage: storage, zone: "America/New_York", events: events, expectRows: nil)
            }
        }
        for text in Self.ons {
            let on = try ExpressionParser.parse(text)
            let q = SegmentationQuery(events: ["Viewed", "Left"], from: from, to: to, type: .general, segmentBy: .expression(on), limit: 20,
                                      filter: try ExpressionParser.parse(#"properties["plan"] != "team""#))
            try await compare(q, storage: storage, zone: "UTC", events: events, expectRows: text != #"properties["tags"]"#)
        }
    }

    /// Sums and means of a numeric expression per bucket: a number column read directly, other
    /// expressions row by row, non-numbers as 0, with and without `where`.
    @Test(arguments: Storage.allCases, ["UTC", "America/New_York"])
    func numericAggregatesMatchTheOracle(storage: Storage, zone: String) async throws {
        let events = Self.workload(seed: 13, startMs: 1_741_219_200_000)
        let (store, dir) = try await Self.load(storage, events)
        defer { store.close(); dir?.remove() }
        let snapshot = try store.snapshot(of: 1)
        let rows = try ScanRows.collect(snapshot, .everything(days: Int32.min...Int32.max)).rows
        let from = CivilDate(year: 2025, month: 3, day: 6)!, to = CivilDate(year: 2025, month: 3, day: 11)!
        for (on, filter) in [(#"properties["amount"]"#, nil), (#"number(properties["amount"])"#, nil),
                             (#"properties["amount"] * 2 + 1"#, #"properties["plan"] != "free""#),
                             (#"properties["amount"]"#, #"defined(properties["tags"])"#)] as [(String, String?)] {
            for unit in [TimeUnit.day, .hour] {
                for aggregate in [NumericAggregate.sum, .average] {
                    let q = NumericAggregateQuery(event: "Bought", from: from, to: to, unit: unit, on: try ExpressionParser.parse(on),
                                                  filter: try filter.map { try ExpressionParser.parse($0) }, aggregate: aggregate)
                    let got = try NumericAggregateRunner.run(q, snapshot: snapshot, zone: ProjectTimeZone(identifier: zone)!)
                    let want = SegmentationOracle.aggregate(q, rows: rows, zone: zone)
                    #expect(got.map(\.label) == want.map(\.label))
                    for (g, w) in zip(got, want) where abs(g.value - w.value) > 1e-9 * max(1, abs(w.value)) {
                        Issue.record("\(on) \(unit) \(aggregate) at \(g.label): got \(g.value), want \(w.value)")
                    }
                    #expect(want.contains { $0.value != 0 })
                }
            }
        }
    }

    /// `/segmentation/numeric`: ranges of a number column, of a computed expression, of a key
    /// that mixes types, with `where`, for every count type.
    @Test(arguments: Storage.allCases, ["UTC", "America/New_York"])
    func numericSegmentsMatchTheOracle(storage: Storage, zone: String) async throws {
        let events = Self.workload(seed: 17, startMs: 1_741_219_200_000)
        let from = CivilDate(year: 2025, month: 3, day: 6)!, to = CivilDate(year: 2025, month: 3, day: 10)!
        for (on, filter) in [(#"properties["amount"]"#, nil), (#"properties["amount"] / 7"#, #"properties["plan"] != "free""#),
                             (#"number(properties["plan"])"#, nil), (#"properties["time"] % 86400"#, nil),
                             // Bounds that round together near 2^53 (ranges merge, none is lost).
                             (#"properties["amount"] % 3 + 9007199254740992"#, nil)] as [(String, String?)] {
            for type in CountType.allCases {
                let q = SegmentationQuery(events: ["Bought", "Viewed"], from: from, to: to, unit: .day, type: type,
                                          filter: try filter.map { try ExpressionParser.parse($0) })
                try await compare(q, storage: storage, zone: zone, events: events, expectRows: !on.contains("plan"),
                                  numericOn: try ExpressionParser.parse(on))
            }
        }
    }

    /// Across Lord Howe's half-hour change back (2025-04-06) hour labels repeat and merge.
    @Test func hourBucketsFollowAHalfHourDaylightSavingChange() async throws {
        let events = Self.workload(seed: 11, startMs: 1_743_724_800_000) // 2025-04-04 UTC
        let q = SegmentationQuery(events: ["Viewed", "Left"], from: CivilDate(year: 2025, month: 4, day: 5)!,
                                  to: CivilDate(year: 2025, month: 4, day: 7)!, unit: .hour, type: .general)
        try await compare(q, storage: .partsAndMemtable, zone: "Australia/Lord_Howe", events: events)
    }

    /// A range with no events answers the buckets and no segments.
    @Test func anEmptyRangeHasSeriesAndNoSegments() async throws {
        let (store, dir) = try await Self.load(.memory, Self.workload(seed: 1, startMs: 1_741_219_200_000))
        defer { store.close(); dir?.remove() }
        let q = SegmentationQuery(events: ["Viewed"], from: CivilDate(year: 2024, month: 1, day: 1)!, to: CivilDate(year: 2024, month: 1, day: 3)!)
        let got = try SegmentationRunner.run(q, snapshot: try store.snapshot(of: 1), zone: .utc)
        #expect(got.series == ["2024-01-01", "2024-01-02", "2024-01-03"])
        #expect(got.segments.isEmpty)
    }
}
