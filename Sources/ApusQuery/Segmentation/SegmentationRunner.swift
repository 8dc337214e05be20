// Validate → plan → execute for segmentation-style reports: the buckets and the scan are
// resolved once from the query and the project's timezone, the kernel runs on every core over
// the days the range touches (reading names, times and, for unique counts, users; nothing
// else), and the partial counts are merged into a series per segment.

import ApusExpression
import ApusModel
import ApusStoreCore

/// Runs segmentation and `/events` queries.
package enum SegmentationRunner {
    /// Longest date range a query may span, in days.
    package static let rangeDaysMax = 3_660
    /// Most segments a `limit` may ask for.
    package static let limitMax = 10_000
    /// Most events one `/events` query may name.
    package static let eventsMax = 100

    /// A report's dates: in order, and no longer than `rangeDaysMax`.
    static func checkRange(from: CivilDate, to: CivilDate) throws(ReportError) {
        guard from <= to else { throw ReportError(.invalidDateRange, "from_date \(from) is after to_date \(to)") }
        guard to.daysSinceEpoch - from.daysSinceEpoch < Int64(rangeDaysMax) else {
            throw ReportError(.invalidDateRange, "the date range is longer than \(rangeDaysMax) days; choose a shorter one")
        }
    }

    /// The query's time buckets: `intervalDays` days each, or one `unit` each.
    static func timeBuckets(_ query: SegmentationQuery, zone: ProjectTimeZone) throws(ReportError) -> TimeBuckets {
        if let days = query.intervalDays {
            return try TimeBuckets(from: query.from, to: query.to, intervalDays: days, zone: zone)
        }
        return try TimeBuckets(from: query.from, to: query.to, unit: query.unit, zone: zone)
    }

    package static func run(_ query: SegmentationQuery, snapshot: any EventSnapshot, zone: ProjectTimeZone, policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> TimeSeriesResult {
        guard !query.events.isEmpty else { throw ReportError(.missingParameter, "name at least one event") }
        guard query.events.count <= eventsMax else {
            throw ReportError(.invalidParameter, "at most \(eventsMax) events may be asked for at once")
        }
        try checkRange(from: query.from, to: query.to)
        let buckets = try timeBuckets(query, zone: zone)
        var request = ScanRequest(days: buckets.utcDays, timeMs: buckets.range, eventNames: Set(query.events))
        // Columns the segment property and expressions read.
        var segmentKey: [String] = []
        if case .property(let key) = query.segmentBy { segmentKey = [key] }
        let needs = try ExpressionNeeds(reading: [query.filter, query.segmentBy.expression], keys: segmentKey)
        needs.apply(to: &request)
        if let limit = query.limit, limit < 1 || limit > limitMax {
            throw ReportError(.invalidParameter, "limit must be from 1 to \(limitMax)")
        }
        let needsUsers = query.type != .general
        // In UTC, buckets of whole days hold whole UTC days (the store's day blocks): a row's
        // bucket is its block's, and times need not be read at all.
        let wholeDays = zone.identifier == "UTC" && (query.intervalDays != nil || [.day, .week, .month].contains(query.unit))
        request.deliversTimes = !wholeDays || needs.times
        request.deliversUids = needsUsers || needs.uids
        // The kernel skips other events' rows itself, cheaper than the store copying ours out.
        request.filtersRowsByName = false
        let events = query.events, segmentBy = query.segmentBy, values = query.values, filter = query.filter
        let users = needs.userProfiles(snapshot, policy)
        let states = try DayScan.run(snapshot, request, policy: policy,
                                     makeState: { SegmentationKernel(buckets: buckets, events: events, segmentBy: segmentBy, values: values,
                                                                     needsUsers: needsUsers, filter: filter, snapshot: snapshot, users: users) },
                                     fold: { kernel, block in kernel.add(block) })
        var total = SegmentationKernel(buckets: buckets, events: events, segmentBy: segmentBy, values: values, needsUsers: needsUsers)
        for s in states { total.merge(s) }
        if total.overflowed {
            throw ReportError(.tooLarge, "the segment property has more than \(SegmentationKernel.segmentsMax) distinct values in the range; segment by a property with fewer values or narrow the range")
        }

        let nb = buckets.labels.count
        var order = Array(total.segmentNames.indices).filter { s in (0..<nb).contains { total.counts[s * nb + $0] > 0 } }
        if query.segmentBy.ordersByTotal {
            let sums = order.map { s in (0..<nb).reduce(0.0) { $0 + total.counts[s * nb + $1] } }
            let names = total.segmentNames
            order = zip(order, sums).sorted { a, b in
                a.1 != b.1 ? a.1 > b.1 : names[a.0].utf8.lexicographicallyPrecedes(names[b.0].utf8)
            }.map(\.0)
            order = Array(order.prefix(query.limit ?? 60))
        }
        let segments: [TimeSeriesResult.Segment] = order.map { s in
            let cells = (s * nb)..<((s + 1) * nb)
            let values: [Double] = cells.map { cell in
                switch query.type {
                case .general: return total.counts[cell]
                case .unique: return Double(total.uniqueUsers(cell: cell))
                case .average:
                    let users = total.uniqueUsers(cell: cell)
                    return users == 0 ? 0 : total.counts[cell] / Double(users)
                }
            }
            return .init(name: total.segmentNames[s], values: values)
        }
        return TimeSeriesResult(series: buckets.labels, segments: segments)
    }
}
