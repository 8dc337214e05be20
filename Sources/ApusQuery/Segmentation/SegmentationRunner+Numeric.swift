// `/segmentation/numeric` (spec §2.2): segments are ranges of a numeric `on` expression. One
// pass over the event's rows finds the smallest and largest value in the report's range, which
// fixes the ranges (NumericBuckets); a second pass is ordinary segmentation by range.

import ApusExpression
import ApusModel
import ApusStoreCore

extension SegmentationRunner {
    /// `query` (one or more events, any count type, `where`) segmented by ranges of `on`;
    /// rows where `on` is not a number are left out. No numbers at all: no segments.
    package static func runNumeric(_ query: SegmentationQuery, on: Expression, snapshot: any EventSnapshot, zone: ProjectTimeZone,
                                   policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> TimeSeriesResult {
        try checkRange(from: query.from, to: query.to)
        let buckets = try timeBuckets(query, zone: zone)
        let needs = try ExpressionNeeds(reading: [query.filter, on])
        var request = ScanRequest(days: buckets.utcDays, timeMs: buckets.range, eventNames: Set(query.events))
        needs.apply(to: &request)
        request.deliversUids = needs.uids
        let events = query.events, filter = query.filter
        let users = needs.userProfiles(snapshot, policy)
        typealias Extent = (lo: Double, hi: Double, tables: [Int32: [Int32]])
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { Extent(.infinity, -.infinity, [:]) },
                                     fold: { (state: inout Extent, block: EventBlock) in
            let counted = block.names.map { n in events.contains { $0.utf8.elementsEqual(n.utf8) } }
            let keep = filter.map { BlockExpressionRow.matching($0, block, snapshot: snapshot, counted: counted, users: users) }
            let (values, present) = NumericAggregateRunner.numbersAndPresence(on, block, snapshot: snapshot, counted: counted, users: users)
            let table = state.tables[block.day] ?? buckets.minuteTable(utcDay: block.day)
            state.tables[block.day] = table
            let dayStart = Int64(block.day) * 86_400_000
            for r in 0..<block.count where present[r] && counted[Int(block.nameIds[r])] && (keep?[r] ?? true) {
                let minute = (block.timesMs[r] - dayStart) / 60_000
                guard minute >= 0 && minute < 1440 && table[Int(minute)] >= 0 else { continue }
                state.lo = min(state.lo, values[r])
                state.hi = max(state.hi, values[r])
            }
        })
        let lo = states.map(\.lo).min() ?? .infinity, hi = states.map(\.hi).max() ?? -.infinity
        guard lo <= hi else { return TimeSeriesResult(series: buckets.labels, segments: []) }
        var ranged = query
        ranged.segmentBy = .numeric(on, NumericBuckets(min: lo, max: hi))
        return try run(ranged, snapshot: snapshot, zone: zone, policy: policy)
    }
}
