// The naive reference for segmentation-style reports: plain loops over decoded, deduplicated
// rows, with bucket labels from Foundation's calendar in the project's zone (not from the
// engine's bucket tables), so that engine and oracle agreeing means something.

import ApusExpression
import ApusModel
import ApusQuery
import ApusStoreCore
import Foundation

package enum SegmentationOracle {
    /// A query's bucket labels in time order, each instant's label, and the range as instants.
    struct Calendar {
        var series: [String]
        var label: (Date) -> String
        var start: Date
        var end: Date
    }

    static func calendar(_ query: SegmentationQuery, zone identifier: String) -> Calendar {
        var calendar = Foundation.Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: identifier)!
        func startOf(_ date: CivilDate) -> Date {
            calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
        }
        func localDate(_ instant: Date) -> CivilDate {
            let c = calendar.dateComponents([.year, .month, .day], from: instant)
            return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
        }
        func label(_ instant: Date) -> String {
            let date = localDate(instant)
            if let n = query.intervalDays {
                let k = (date.daysSinceEpoch - query.from.daysSinceEpoch) / Int64(n)
                return CivilDate(daysSinceEpoch: query.from.daysSinceEpoch + k * Int64(n)).description
            }
            switch query.unit {
            case .day: return date.description
            case .week:
                let weekday = calendar.component(.weekday, from: instant) // 1 = Sunday
                return CivilDate(daysSinceEpoch: date.daysSinceEpoch - Int64((weekday + 5) % 7)).description
            case .month: return CivilDate(year: date.year, month: date.month, day: 1)!.description
            case .hour, .minute:
                let c = calendar.dateComponents([.hour, .minute], from: instant)
                let minute = query.unit == .hour ? 0 : c.minute!
                return "\(date) \(c.hour! < 10 ? "0" : "")\(c.hour!):\(minute < 10 ? "0" : "")\(minute):00"
            }
        }
        let start = startOf(query.from)
        let end = startOf(CivilDate(daysSinceEpoch: query.to.daysSinceEpoch + 1))
        // Every label of the range, minute by minute (every zone's changes fall on minutes).
        var series: [String] = []
        var seen = Set<String>()
        var t = start
        while t < end {
            let l = label(t)
            if seen.insert(l).inserted { series.append(l) }
            t = t.addingTimeInterval(query.unit == .minute ? 60 : 900)
        }
        return Calendar(series: series, label: label, start: start, end: end)
    }

    /// Who is who for the oracle: a row's user is the canonical id of its distinct id under
    /// `mode`, and `user[…]` reads that id's profile.
    package struct People {
        package var graph: IdentityGraph
        package var mode: IdentityMode
        package var profiles: ProfileTables

        package init(graph: IdentityGraph, mode: IdentityMode, profiles: ProfileTables) {
            self.graph = graph
            self.mode = mode
            self.profiles = profiles
        }

        func user(_ distinctId: String) -> String { graph.clusters(mode).canonical(of: distinctId) }

        func profile(_ distinctId: String) -> [JSONMember]? {
            let users = profiles.users
            guard let row = users.row(of: user(distinctId)), users.live[row] else { return nil }
            return users.properties(row: row)
        }
    }

    package static func run(_ query: SegmentationQuery, rows: [ScanRow], zone identifier: String, people: People? = nil) -> TimeSeriesResult {
        let c = calendar(query, zone: identifier)
        let (series, label, start, end) = (c.series, c.label, c.start, c.end)
        // Names and ids keyed by their bytes (Swift's String equality is canonical, not exact).
        var counts: [[UInt8]: [String: Int]] = [:]
        var users: [[UInt8]: [String: Set<[UInt8]>]] = [:]
        for row in rows {
            guard query.events.contains(where: { $0.utf8.elementsEqual(row.name.utf8) }) else { continue }
            let instant = Date(timeIntervalSince1970: Double(row.timeMs) / 1000)
            guard instant >= start && instant < end else { continue }
            // Expressions see the row as a decoded event (time, distinct_id and $insert_id as export shows them).
            let asEvent = EventExpressionRow(Event(name: row.name, distinctId: row.distinctId, timeMs: row.timeMs,
                                                   insertId: row.insertId ?? "", properties: row.properties),
                                             userProperties: people?.profile(row.distinctId))
            if let filter = query.filter, !ExpressionEvaluator.matches(filter, row: asEvent) { continue }
            let segment: String
            switch query.segmentBy {
            case .event: segment = row.name
            case .expression(let on):
                let value = ExpressionEvaluator.evaluate(on, row: asEvent)
                switch value {
                case .undefined, .null, .list: continue
                default:
                    guard case .string(let text) = ExpressionSemantics.toString(value) else { continue }
                    segment = text
                }
                if let values = query.values, !values.contains(where: { $0.utf8.elementsEqual(segment.utf8) }) { continue }
            case .numeric(let on, let ranges):
                guard case .number(let x) = ExpressionEvaluator.evaluate(on, row: asEvent) else { continue }
                segment = ranges.labels[ranges.index(of: x)]
            case .property(let key):
                switch row.properties.last(where: { $0.key.utf8.elementsEqual(key.utf8) })?.value {
                case .string(let v)?: segment = v
                case .number(let v)?: segment = String(decoding: JSONWriter.bytes(.number(v)), as: UTF8.self)
                case .bool(let v)?: segment = v ? "true" : "false"
                default: continue
                }
                if let values = query.values, !values.contains(where: { $0.utf8.elementsEqual(segment.utf8) }) { continue }
            }
            let l = label(instant)
            counts[Array(segment.utf8), default: [:]][l, default: 0] += 1
            users[Array(segment.utf8), default: [:]][l, default: []].insert(Array((people?.user(row.distinctId) ?? row.distinctId).utf8))
        }
        var segments: [TimeSeriesResult.Segment] = []
        var done = Set<[UInt8]>()
        var names = query.events
        if case .numeric(_, let ranges) = query.segmentBy {
            names = ranges.labels
        } else if query.segmentBy != .event {
            // By total events over the range, most first; ties by bytes; at most `limit`.
            let totals = counts.mapValues { $0.values.reduce(0, +) }
            names = totals.sorted { a, b in a.value != b.value ? a.value > b.value : a.key.lexicographicallyPrecedes(b.key) }
                .prefix(query.limit ?? 60).map { String(decoding: $0.key, as: UTF8.self) }
        }
        for name in names where done.insert(Array(name.utf8)).inserted {
            guard let byLabel = counts[Array(name.utf8)] else { continue }
            let byUsers = users[Array(name.utf8)] ?? [:]
            segments.append(.init(name: name, values: series.map { l in
                let n = Double(byLabel[l] ?? 0), u = Double(byUsers[l]?.count ?? 0)
                switch query.type {
                case .general: return n
                case .unique: return u
                case .average: return u == 0 ? 0 : n / u
                }
            }))
        }
        return TimeSeriesResult(series: series, segments: segments)
    }

    /// `/segmentation/numeric`: the smallest and largest number `on` gives over the counted rows
    /// fix the ranges, then rows are segmented by range.
    package static func numeric(_ query: SegmentationQuery, on: ApusExpression.Expression, rows: [ScanRow], zone identifier: String) -> TimeSeriesResult {
        let c = calendar(query, zone: identifier)
        var lo = Double.infinity, hi = -Double.infinity
        for row in rows where query.events.contains(where: { $0.utf8.elementsEqual(row.name.utf8) }) {
            let instant = Date(timeIntervalSince1970: Double(row.timeMs) / 1000)
            guard instant >= c.start && instant < c.end else { continue }
            let asEvent = EventExpressionRow(Event(name: row.name, distinctId: row.distinctId, timeMs: row.timeMs,
                                                   insertId: row.insertId ?? "", properties: row.properties))
            if let filter = query.filter, !ExpressionEvaluator.matches(filter, row: asEvent) { continue }
            if case .number(let x) = ExpressionEvaluator.evaluate(on, row: asEvent) {
                lo = min(lo, x)
                hi = max(hi, x)
            }
        }
        guard lo <= hi else { return TimeSeriesResult(series: c.series, segments: []) }
        var ranged = query
        ranged.segmentBy = .numeric(on, NumericBuckets(min: lo, max: hi))
        return run(ranged, rows: rows, zone: identifier)
    }

    /// `/segmentation/sum` and `/average`: per bucket, the sum or mean of `on` over the event's
    /// rows that pass `where` (a value that is not a number counts as 0).
    package static func aggregate(_ query: NumericAggregateQuery, rows: [ScanRow], zone identifier: String) -> [(label: String, value: Double)] {
        let c = calendar(SegmentationQuery(events: [query.event], from: query.from, to: query.to, unit: query.unit), zone: identifier)
        var sums: [String: Double] = [:], counts: [String: Int] = [:]
        for row in rows where row.name.utf8.elementsEqual(query.event.utf8) {
            let instant = Date(timeIntervalSince1970: Double(row.timeMs) / 1000)
            guard instant >= c.start && instant < c.end else { continue }
            let asEvent = EventExpressionRow(Event(name: row.name, distinctId: row.distinctId, timeMs: row.timeMs,
                                                   insertId: row.insertId ?? "", properties: row.properties))
            if let filter = query.filter, !ExpressionEvaluator.matches(filter, row: asEvent) { continue }
            var value = 0.0
            if case .number(let x) = ExpressionEvaluator.evaluate(query.on, row: asEvent) { value = x }
            sums[c.label(instant), default: 0] += value
            counts[c.label(instant), default: 0] += 1
        }
        return c.series.map { l in
            let n = counts[l] ?? 0
            return (l, query.aggregate == .sum ? sums[l] ?? 0 : (n == 0 ? 0 : (sums[l] ?? 0) / Double(n)))
        }
    }
}
