// `/engage` (spec §2.2): profile queries, GET or form POST. Parameters are read here, the
// matching runs in ApusQuery over the snapshot's profile tables, and pages are cut from the
// answer kept under the `session_id` (Sessions/EngageSessions.swift).
//
// Where Mixpanel's parameters need a choice here: `data_group_id` names the group key itself
// (e.g. `company`: Apus has no numeric group-key ids); `page_size` is accepted (1–1000, default
// 1000); cohorts and `behaviors` are refused with a 400 until cohorts exist.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStoreCore

extension QueryRoutes {
    static let engagePageSizeMax = 1000

    func engage(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        if let cohort = q["filter_by_cohort"], !cohort.isEmpty {
            throw .badRequest("invalid_parameter", "filter_by_cohort: cohorts are not available yet; filter with where instead")
        }
        if let behaviors = q["behaviors"], !behaviors.isEmpty {
            throw .badRequest("invalid_parameter", "behaviors: event-based profile filters are not available yet; filter with where instead")
        }
        var query = EngageQuery()
        if let group = q["data_group_id"], !group.isEmpty { query.groupKey = group }
        if let one = q["distinct_id"], !one.isEmpty { query.ids = [one] }
        if let list = q["distinct_ids"], !list.isEmpty {
            guard case .array(let items)? = try? JSONParser.parse(list) else {
                throw .badRequest("invalid_parameter", "distinct_ids must be a JSON array of ids, e.g. [\"u-1\", \"u-2\"]")
            }
            var ids: [String] = query.ids ?? []
            for item in items {
                switch item {
                case .string(let s): ids.append(s)
                case .number(let n): ids.append(JSONWriter.string(.number(n)))
                default: throw .badRequest("invalid_parameter", "distinct_ids must hold only ids (strings or numbers), found a \(item.kindLabel)")
                }
            }
            query.ids = ids
        }
        query.filter = try expression(q, "where")
        if let names = q["output_properties"], !names.isEmpty {
            guard case .array(let items)? = try? JSONParser.parse(names) else {
                throw .badRequest("invalid_parameter", "output_properties must be a JSON array of property names, e.g. [\"$email\", \"plan\"]")
            }
            let keys = items.compactMap(\.stringValue)
            guard keys.count == items.count else {
                throw .badRequest("invalid_parameter", "output_properties must hold only property names (strings)")
            }
            query.outputProperties = keys
        }
        let page = try pageNumber(q)
        let pageSize = try positiveInteger(q, "page_size") ?? Self.engagePageSizeMax
        guard pageSize <= Self.engagePageSizeMax else {
            throw .badRequest("invalid_parameter", "page_size must be from 1 to \(Self.engagePageSizeMax)")
        }
        let session = q["session_id"].flatMap { $0.isEmpty ? nil : $0 }
        if page > 0 && session == nil {
            throw .badRequest("missing_parameter", "session_id is required for page \(page): pass the session_id of page 0's answer")
        }
        if let session, session.utf8.count > 64 {
            throw .badRequest("invalid_parameter", "session_id is not one this server gave out")
        }
        let fingerprint = ["data_group_id", "distinct_id", "distinct_ids", "where", "output_properties"]
            .map { "\($0)=\(q[$0] ?? "")" }.joined(separator: "\u{0}")
        let now = state.clock.nowMs()
        let id = session ?? EngageSessions.newId(nowMs: now)
        var match: EngageMatch
        if let rows = state.engageSessions.rows(id, project: c.project, fingerprint: fingerprint, nowMs: now) {
            match = EngageReport.run(EngageQuery(groupKey: query.groupKey, ids: [], outputProperties: query.outputProperties),
                                     profiles: c.snapshot.profiles)
            match.rows = rows
        } else {
            // A session this server no longer holds (expired, or from before a restart) is
            // answered afresh under the same id.
            match = EngageReport.run(query, profiles: c.snapshot.profiles)
            state.engageSessions.keep(match.rows, id: id, project: c.project, fingerprint: fingerprint, nowMs: now)
        }
        let start = min(match.rows.count, page.multipliedReportingOverflow(by: pageSize).overflow ? match.rows.count : page * pageSize)
        let end = min(match.rows.count, start + pageSize)
        var results: [JSONValue] = []
        results.reserveCapacity(end - start)
        for i in start..<end {
            let p = match.profile(i)
            results.append(.object([JSONMember("$distinct_id", .string(p.id)), JSONMember("$properties", .object(p.properties))]))
        }
        return .object([
            JSONMember("page", .number(Double(page))),
            JSONMember("page_size", .number(Double(pageSize))),
            JSONMember("session_id", .string(id)),
            JSONMember("status", .string("ok")),
            JSONMember("total", .number(Double(match.rows.count))),
            JSONMember("results", .array(results)),
        ])
    }

    /// `page`: 0 when absent, else a plain whole number.
    func pageNumber(_ q: QueryString) throws(QueryError) -> Int {
        guard let text = q["page"], !text.isEmpty else { return 0 }
        guard let n = DecimalText.integer(text), n <= 1_000_000 else {
            throw .badRequest("invalid_parameter", "page must be a whole number from 0 (the first page)")
        }
        return Int(n)
    }
}

private extension JSONValue {
    var kindLabel: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "list"
        case .object: "object"
        }
    }
}
