// The Query API's discovery endpoints: which events and properties a project has, their most
// common values, and a series per property value (spec §2.2, `/events/…`). "Recent" is the
// last 31 days up to today in the project's timezone.

import ApusModel
import ApusQuery

extension QueryRoutes {
    /// Days counted as recent.
    static let recentDays: Int64 = 31

    private func recent(_ c: ProjectContext) -> (CivilDate, CivilDate) {
        (CivilDate(daysSinceEpoch: c.today.daysSinceEpoch - Self.recentDays + 1), c.today)
    }

    /// `/events/names`: the most common events of the last 31 days, most common first.
    func eventNames(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        _ = try countType(q, required: false)
        let limit = try positiveInteger(q, "limit") ?? 255
        let (from, to) = recent(c)
        let counts: [(String, Int)]
        do throws(ReportError) {
            counts = try EventNamesReport.run(from: from, to: to, zone: c.zone, snapshot: c.snapshot, policy: c.policy)
        } catch {
            throw QueryError(error)
        }
        return .array(counts.prefix(limit).map { .string($0.0) })
    }

    /// `/events/top`: today's most common events, each with its change from yesterday
    /// (`(today - yesterday) / yesterday`; 0 when yesterday had none).
    func topEvents(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        let type = try countType(q, required: true)
        let limit = min(try positiveInteger(q, "limit") ?? 100, SegmentationRunner.eventsMax)
        let yesterday = CivilDate(daysSinceEpoch: c.today.daysSinceEpoch - 1)
        let names: [(String, Int)]
        do throws(ReportError) {
            names = try EventNamesReport.run(from: c.today, to: c.today, zone: c.zone, snapshot: c.snapshot, policy: c.policy)
        } catch {
            throw QueryError(error)
        }
        guard !names.isEmpty else { return .object([JSONMember("events", .array([])), JSONMember("type", .string(type.rawValue))]) }
        // Rank by today's measure: counts for all, then the top `limit` by the asked type.
        let candidates = names.prefix(SegmentationRunner.eventsMax).map(\.0)
        let series = try run(SegmentationQuery(events: candidates, from: yesterday, to: c.today, unit: .day, type: type), c)
        let ranked = series.segments.map { s in (name: s.name, yesterday: s.values[0], today: s.values[1]) }
            .filter { $0.today > 0 }
            .sorted { a, b in a.today != b.today ? a.today > b.today : a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
        return .object([
            JSONMember("events", .array(ranked.prefix(limit).map { e in
                .object([
                    JSONMember("amount", .number(e.today)),
                    JSONMember("event", .string(e.name)),
                    JSONMember("percent_change", .number(e.yesterday > 0 ? (e.today - e.yesterday) / e.yesterday : 0)),
                ])
            })),
            JSONMember("type", .string(type.rawValue)),
        ])
    }

    /// `/events/properties`: a series per value of one property of one event.
    func eventProperties(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        let event = try required(q, "event", "one event name")
        let name = try required(q, "name", "the property's name")
        let type = try countType(q, required: true)
        let unit = try unit(q, allowed: TimeUnit.allCases, default: nil)
        if type != .general && (unit == .hour || unit == .minute) {
            throw .badRequest("invalid_parameter", "unique and average counts are not available by \(unit.rawValue); use unit=day or longer")
        }
        let (from, to) = try rangeOrInterval(q, c, unit: unit)
        var values: [String]? = nil
        if let text = q["values"], !text.isEmpty { values = try Self.stringList(text, "values") }
        let limit = try positiveInteger(q, "limit") ?? 255
        let query = SegmentationQuery(events: [event], from: from, to: to, unit: unit, type: type,
                                      segmentBy: .property(name), values: values, limit: min(limit, SegmentationRunner.limitMax))
        return Self.timeSeries(try run(query, c))
    }

    /// `/events/properties/top`: an event's property keys of the last 31 days with the rows
    /// holding each, most first.
    func topProperties(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        let event = try required(q, "event", "one event name")
        let limit = try positiveInteger(q, "limit") ?? 10
        let (from, to) = recent(c)
        let keys: [(String, Int)]
        do throws(ReportError) {
            keys = try PropertyKeysReport.run(event: event, from: from, to: to, zone: c.zone, snapshot: c.snapshot, policy: c.policy)
        } catch {
            throw QueryError(error)
        }
        return .object(keys.prefix(limit).map { JSONMember($0.0, .object([JSONMember("count", .number(Double($0.1)))])) })
    }

    /// `/events/properties/values`: a property's most common values of the last 31 days.
    func propertyValues(_ q: QueryString, _ c: ProjectContext) throws(QueryError) -> JSONValue {
        let event = try required(q, "event", "one event name")
        let name = try required(q, "name", "the property's name")
        let limit = min(try positiveInteger(q, "limit") ?? 255, SegmentationRunner.limitMax)
        let (from, to) = recent(c)
        let series = try run(SegmentationQuery(events: [event], from: from, to: to, unit: .month, segmentBy: .property(name), limit: limit), c)
        return .array(series.segments.map { .string($0.name) })
    }

    func required(_ q: QueryString, _ name: String, _ what: String) throws(QueryError) -> String {
        guard let value = q[name], !value.isEmpty else { throw .badRequest("missing_parameter", "\(name) is required (\(what))") }
        return value
    }

    static func stringList(_ text: String, _ name: String) throws(QueryError) -> [String] {
        guard case .array(let items)? = try? JSONParser.parse(text) else {
            throw .badRequest("invalid_parameter", "\(name) must be a JSON array of strings, e.g. [\"a\", \"b\"]")
        }
        let list = items.compactMap(\.stringValue)
        guard list.count == items.count else { throw .badRequest("invalid_parameter", "\(name) must hold strings only") }
        return list
    }
}
