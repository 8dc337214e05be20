// The Query API (spec §2.2) under /api/query/… and /api/2.0/…: parameters are read and checked
// here, the report runs in ApusQuery against one snapshot, and its typed answer is written in
// Mixpanel's JSON shape here. Any role in the project may query; a project token never reads.

import ApusCatalog
import ApusExpression
import ApusModel
import ApusQuery
import ApusStoreCore
import Foundation
import HTTPTypes
import Hummingbird

package struct QueryRoutes: Sendable {
    package var state: ServerState

    package func register(on router: Router<ApusRequestContext>) {
        typealias Endpoint = @Sendable (QueryRoutes, QueryString, ProjectContext) throws(QueryError) -> JSONValue
        let routes: [(String, Endpoint)] = [
            ("segmentation", { (r, q, c) throws(QueryError) in try r.segmentation(q, c) }),
            ("segmentation/numeric", { (r, q, c) throws(QueryError) in try r.numericSegmentation(q, c) }),
            ("segmentation/sum", { (r, q, c) throws(QueryError) in try r.numericAggregate(q, c, .sum) }),
            ("segmentation/average", { (r, q, c) throws(QueryError) in try r.numericAggregate(q, c, .average) }),
            ("events", { (r, q, c) throws(QueryError) in try r.events(q, c) }),
            ("events/names", { (r, q, c) throws(QueryError) in try r.eventNames(q, c) }),
            ("events/top", { (r, q, c) throws(QueryError) in try r.topEvents(q, c) }),
            ("events/properties", { (r, q, c) throws(QueryError) in try r.eventProperties(q, c) }),
            ("events/properties/top", { (r, q, c) throws(QueryError) in try r.topProperties(q, c) }),
            ("events/properties/values", { (r, q, c) throws(QueryError) in try r.propertyValues(q, c) }),
            ("engage", { (r, q, c) throws(QueryError) in try r.engage(q, c) }),
        ]
        /// Form POSTs are read too where Mixpanel documents them (their fields join the query's).
        let posted: Set<String> = ["engage"]
        for prefix in ["api/query/", "api/2.0/"] {
            for (path, run) in routes {
                @Sendable func answer(_ request: Request, form: String?) -> Response {
                    let line = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                    do throws(QueryError) {
                        let q = QueryString([request.uri.query, form].compactMap { $0 }.joined(separator: "&"))
                        let context = try authorize(request, q)
                        try state.queryLimiter.admit(context.project).get()
                        defer { state.queryLimiter.release(context.project) }
                        let csv = try Self.wantsCSV(q)
                        let value = try run(self, q, context)
                        guard csv else {
                            return Reply(status: 200, headers: [("Content-Type", "application/json")], body: JSONWriter.bytes(value)).response
                        }
                        guard let table = CSVTable.bytes(value) else {
                            throw .badRequest("invalid_parameter", "format=csv is not available for /\(path); leave format out for JSON")
                        }
                        return Reply(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8")], body: table).response
                    } catch {
                        return error.reply(request: line).response
                    }
                }
                router.get(RouterPath(prefix + path)) { request, _ in answer(request, form: nil) }
                guard posted.contains(path) else { continue }
                router.post(RouterPath(prefix + path)) { request, _ in
                    guard let body = try? await request.body.collect(upTo: Self.formBytesMax) else {
                        return QueryError(status: 413, code: "body_too_large", message: "a query's form body may be at most \(Self.formBytesMax) bytes")
                            .reply(request: request.uri.path).response
                    }
                    return answer(request, form: String(decoding: body.readableBytesView, as: UTF8.self))
                }
            }
        }
    }

    /// The largest form body a query reads.
    static let formBytesMax = 1 << 20

    /// The project a query reads, its calendar, and a snapshot of its events.
    struct ProjectContext {
        var project: ProjectID
        var zone: ProjectTimeZone
        var snapshot: any EventSnapshot
        /// Today in the project's zone.
        var today: CivilDate
        /// Cores and time limit of the query's scans.
        var policy: ScanPolicy
    }

    private func authorize(_ request: Request, _ q: QueryString) throws(QueryError) -> ProjectContext {
        let principal: Principal
        switch Authenticator(catalog: state.catalog).authenticateRead(
            authorization: request.headers[.authorization], projectID: q["project_id"], minimum: .consumer) {
        case .success(let p): principal = p
        case .failure(let e): throw QueryError(e)
        }
        let project = (try? state.catalog.project(id: principal.project)) ?? nil
        let zoneName = project?.timezone ?? "UTC"
        guard let zone = ProjectTimeZone(identifier: zoneName) else {
            throw QueryError(status: 500, code: "invalid_timezone", message: "the project's timezone '\(zoneName)' is not known to this system; set another with `apus projects set-timezone`")
        }
        let snapshot: any EventSnapshot
        do throws(StoreError) {
            snapshot = try state.store.snapshot(of: principal.project)
        } catch {
            guard error.code == .unknownProject else { throw QueryError(error) }
            // A project with no events yet has no log: it answers like an empty one.
            snapshot = EmptySnapshot(project: principal.project)
        }
        let now = state.clock.nowMs()
        let today = CivilDate(daysSinceEpoch: floorDiv(zone.local(now), 86_400_000))
        let identity = state.identities.resolution(snapshot, project: principal.project, mode: project?.identityMode ?? .simplified)
        return ProjectContext(project: principal.project, zone: zone, snapshot: snapshot, today: today,
                              policy: ScanPolicy(durationMaxSeconds: state.configuration.queryDurationMaxSeconds, identity: identity))
    }

    // MARK: Endpoints

    /// `/segmentation`: one event per bucket (spec §2.2).
    func segmentation(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        guard let event = q["event"], !event.isEmpty else { throw .badRequest("missing_parameter", "event is required (one event name)") }
        let (from, to) = try DateParameters.range(q)
        var query = SegmentationQuery(events: [event], from: from, to: to)
        if let on = try expression(q, "on") { query.segmentBy = .expression(on) }
        query.filter = try expression(q, "where")
        if let limit = try positiveInteger(q, "limit") {
            guard limit <= SegmentationRunner.limitMax else {
                throw .badRequest("invalid_parameter", "limit must be from 1 to \(SegmentationRunner.limitMax)")
            }
            query.limit = limit
        }
        query.unit = try unit(q, allowed: [.minute, .hour, .day, .week, .month], default: .day)
        query.intervalDays = try positiveInteger(q, "interval")
        query.type = try countType(q, required: false)
        if query.type != .general && query.unit == .minute && query.intervalDays == nil {
            throw .badRequest("invalid_parameter", "unique and average counts are not available by minute; use unit=hour or longer")
        }
        return Self.timeSeries(try run(query, c))
    }

    /// `/segmentation/numeric`: segments are ranges of a numeric `on` expression (spec §2.2).
    func numericSegmentation(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        guard let event = q["event"], !event.isEmpty else { throw .badRequest("missing_parameter", "event is required (one event name)") }
        guard let on = try expression(q, "on") else {
            throw .badRequest("missing_parameter", "on is required: a numeric expression, e.g. properties[\"price\"]")
        }
        let (from, to) = try DateParameters.range(q)
        var query = SegmentationQuery(events: [event], from: from, to: to, unit: try unit(q, allowed: [.hour, .day], default: .day))
        query.filter = try expression(q, "where")
        query.type = try countType(q, required: false)
        do throws(ReportError) {
            return Self.timeSeries(try SegmentationRunner.runNumeric(query, on: on, snapshot: c.snapshot, zone: c.zone, policy: c.policy))
        } catch {
            throw QueryError(error)
        }
    }

    /// `format=json` (the default) or `format=csv`.
    static func wantsCSV(_ q: QueryString) throws(QueryError) -> Bool {
        switch q["format"] {
        case nil, "", "json": return false
        case "csv": return true
        case let other?: throw .badRequest("invalid_parameter", "format '\(other)' is not one of json, csv")
        }
    }

    /// `/segmentation/sum` and `/segmentation/average`: an expression's sum or mean per bucket,
    /// `{"status": "ok", "computed_at": "…", "results": {bucket: value}}`.
    func numericAggregate(_ q: QueryString, _ c: ProjectContext, _ aggregate: NumericAggregate) throws(QueryError) -> JSONValue {
        guard let event = q["event"], !event.isEmpty else { throw .badRequest("missing_parameter", "event is required (one event name)") }
        guard let on = try expression(q, "on") else {
            throw .badRequest("missing_parameter", "on is required: a numeric expression, e.g. properties[\"price\"]")
        }
        let (from, to) = try DateParameters.range(q)
        let query = NumericAggregateQuery(event: event, from: from, to: to, unit: try unit(q, allowed: [.hour, .day], default: .day),
                                          on: on, filter: try expression(q, "where"), aggregate: aggregate)
        let results: [(label: String, value: Double)]
        do throws(ReportError) {
            results = try NumericAggregateRunner.run(query, snapshot: c.snapshot, zone: c.zone, policy: c.policy)
        } catch {
            throw QueryError(error)
        }
        return .object([
            JSONMember("status", .string("ok")),
            JSONMember("computed_at", .string(Self.computedAt(state.clock.nowMs()))),
            JSONMember("results", .object(results.map { JSONMember($0.label, .number($0.value)) })),
        ])
    }

    /// `2025-03-04T10:00:00.000000+00:00`.
    static func computedAt(_ ms: Int64) -> String {
        let day = floorDiv(ms, 86_400_000)
        let inDay = ms - day * 86_400_000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let micros = String(inDay % 1000 * 1000)
        return "\(CivilDate(daysSinceEpoch: day))T\(two(inDay / 3_600_000)):\(two(inDay / 60_000 % 60)):\(two(inDay / 1000 % 60))."
            + String(repeating: "0", count: 6 - micros.count) + micros + "+00:00"
    }

    /// `/events`: several events per bucket.
    func events(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        guard let text = q["event"], !text.isEmpty else {
            throw .badRequest("missing_parameter", "event is required: a JSON array of event names, e.g. [\"Signed Up\"]")
        }
        let names = try Self.nameList(text)
        let type = try countType(q, required: true)
        let unit = try unit(q, allowed: TimeUnit.allCases, default: nil)
        if type != .general && (unit == .hour || unit == .minute) {
            throw .badRequest("invalid_parameter", "unique and average counts are not available by \(unit.rawValue); use unit=day or longer")
        }
        let (from, to) = try rangeOrInterval(q, c, unit: unit)
        let query = SegmentationQuery(events: names, from: from, to: to, unit: unit, type: type)
        return Self.timeSeries(try run(query, c))
    }

    /// `from_date`/`to_date`, or else `interval` units up to today.
    func rangeOrInterval(_ q: QueryString, _ c: ProjectContext, unit: TimeUnit) throws(QueryError) -> (CivilDate, CivilDate) {
        if q["from_date"] != nil || q["to_date"] != nil {
            return try DateParameters.range(q)
        } else {
            guard let n = try positiveInteger(q, "interval") else {
                throw .badRequest("missing_parameter", "give from_date and to_date, or interval (how many units up to today)")
            }
            let to = c.today
            let back: Int64
            switch unit {
            case .minute, .hour: back = Int64((n - 1) / (unit == .hour ? 24 : 1440))
            case .day: back = Int64(n - 1)
            case .week: back = Int64(7 * n - 1)
            case .month: back = Int64(31 * n - 1)
            }
            guard back < Int64(SegmentationRunner.rangeDaysMax) else {
                throw .badRequest("invalid_date_range", "interval reaches more than \(SegmentationRunner.rangeDaysMax) days back")
            }
            return (CivilDate(daysSinceEpoch: to.daysSinceEpoch - back), to)
        }
    }

    // MARK: Parameters and answers

    func run(_ query: SegmentationQuery, _ c: ProjectContext) throws(QueryError) -> TimeSeriesResult {
        do throws(ReportError) {
            return try SegmentationRunner.run(query, snapshot: c.snapshot, zone: c.zone, policy: c.policy)
        } catch {
            throw QueryError(error)
        }
    }

    /// `{"data": {"series": […], "values": {segment: {label: n}}}, "legend_size": n}`.
    static func timeSeries(_ r: TimeSeriesResult) -> JSONValue {
        let values = r.segments.map { s in
            JSONMember(s.name, .object(zip(r.series, s.values).map { JSONMember($0, .number($1)) }))
        }
        return .object([
            JSONMember("data", .object([
                JSONMember("series", .array(r.series.map { .string($0) })),
                JSONMember("values", .object(values)),
            ])),
            JSONMember("legend_size", .number(Double(values.count))),
        ])
    }

    static func nameList(_ text: String) throws(QueryError) -> [String] {
        guard case .array(let items)? = try? JSONParser.parse(text) else {
            throw .badRequest("invalid_parameter", "event must be a JSON array of event names, e.g. [\"Signed Up\"]")
        }
        let names = items.compactMap(\.stringValue)
        guard names.count == items.count, !names.isEmpty else {
            throw .badRequest("invalid_parameter", "event must be a non-empty JSON array of event names (strings)")
        }
        return names
    }

    func unit(_ q: QueryString, allowed: [TimeUnit], default fallback: TimeUnit?) throws(QueryError) -> TimeUnit {
        guard let text = q["unit"], !text.isEmpty else {
            if let fallback { return fallback }
            throw .badRequest("missing_parameter", "unit is required: one of \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        guard let unit = TimeUnit(parameter: text), allowed.contains(unit) else {
            throw .badRequest("invalid_parameter", "unit '\(text)' is not one of \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        return unit
    }

    func countType(_ q: QueryString, required: Bool) throws(QueryError) -> CountType {
        guard let text = q["type"], !text.isEmpty else {
            if required { throw .badRequest("missing_parameter", "type is required: general, unique or average") }
            return .general
        }
        guard let type = CountType(rawValue: text) else {
            throw .badRequest("invalid_parameter", "type '\(text)' is not one of general, unique, average")
        }
        return type
    }

    /// The expression in parameter `name`, parsed; a 400 naming the parameter and the
    /// position when it does not parse.
    func expression(_ q: QueryString, _ name: String) throws(QueryError) -> ApusExpression.Expression? {
        guard let text = q[name], !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do throws(ExpressionError) {
            return try ExpressionParser.parse(text)
        } catch {
            throw .badRequest("invalid_expression", "\(name): \(error.message)")
        }
    }

    func positiveInteger(_ q: QueryString, _ name: String) throws(QueryError) -> Int? {
        guard let text = q[name], !text.isEmpty else { return nil }
        guard let n = DecimalText.integer(text), n >= 1, n <= 1_000_000 else {
            throw .badRequest("invalid_parameter", "\(name) must be a whole number from 1 to 1000000")
        }
        return Int(n)
    }
}

/// The snapshot of a project that has no events yet.
struct EmptySnapshot: EventSnapshot {
    var project: Int64
    func days(in range: ClosedRange<Int32>) -> [Int32] { [] }
    func distinctId(of uid: UInt32) -> String { "" }
    func uid(of distinctId: String) -> UInt32? { nil }
    var profiles: ProfileTables { ProfileTables() }
    var identity: IdentityGraph { IdentityGraph() }
    var deletions: DataDeletions { DataDeletions() }
    func scan(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor { .over([]) }
}
