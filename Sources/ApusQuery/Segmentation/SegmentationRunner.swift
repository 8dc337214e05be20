// Validate → plan → execute for segmentation-style reports: the buckets and the scan are
// resolved once from the query and the project's timezone, the kernel runs on every core over
// the days the range touches (reading names, times and, for unique counts, users; nothing
// else), and the partial counts are merged into a series per segment.

import ApusModel
import ApusStoreCore

/// Runs segmentation and `/events` queries.
package enum SegmentationRunner {
    /// Longest date range a query may span, in days.
    package static let rangeDaysMax = 3_660
    /// Most events one `/events` query may name.
    package static let eventsMax = 100

    package static func run(_ query: SegmentationQuery, snapshot: any EventSnapshot, zone: ProjectTimeZone) throws(ReportError) -> TimeSeriesResult {
        guard !query.events.isEmpty else { throw ReportError(.missingParameter, "name at least one event") }
        guard query.events.count <= eventsMax else {
            throw ReportError(.invalidParameter, "at most \(eventsMax) events may be asked for at once")
        }
        guard query.from <= query.to else {
            throw ReportError(.invalidDateRange, "from_date \(query.from) is after to_date \(query.to)")
        }
        guard query.to.daysSinceEpoch - query.from.daysSinceEpoch < Int64(rangeDaysMax) else {
            throw ReportError(.invalidDateRange, "the date range is longer than \(rangeDaysMax) days; choose a shorter one")
        }
        let buckets: TimeBuckets
        if let days = query.intervalDays {
            buckets = try TimeBuckets(from: query.from, to: query.to, intervalDays: days, zone: zone)
        } else {
            buckets = try TimeBuckets(from: query.from, to: query.to, unit: query.unit, zone: zone)
        }
        var request = ScanRequest(days: buckets.utcDays, timeMs: buckets.range, eventNames: Set(query.events))
        let needsUsers = query.type != .general
        request.uidsAndTimes = true
        let segments = query.events
        let states = try DayScan.run(snapshot, request,
                                     makeState: { SegmentationKernel(buckets: buckets, segments: segments, needsUsers: needsUsers) },
                                     fold: { kernel, block in kernel.add(block) })
        var total = SegmentationKernel(buckets: buckets, segments: segments, needsUsers: needsUsers)
        for s in states { total.merge(s) }

        let nb = buckets.labels.count
        var out: [TimeSeriesResult.Segment] = []
        var seen = Set<ExactText>()
        for (i, name) in segments.enumerated() where seen.insert(ExactText(name)).inserted {
            let cells = (i * nb)..<((i + 1) * nb)
            guard cells.contains(where: { total.counts[$0] > 0 }) else { continue }
            let values: [Double] = cells.map { cell in
                switch query.type {
                case .general: return total.counts[cell]
                case .unique: return Double(total.uniqueUsers(cell: cell))
                case .average:
                    let users = total.uniqueUsers(cell: cell)
                    return users == 0 ? 0 : total.counts[cell] / Double(users)
                }
            }
            out.append(.init(name: name, values: values))
        }
        return TimeSeriesResult(series: buckets.labels, segments: out)
    }
}
