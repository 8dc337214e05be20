// `/segmentation/sum` and `/segmentation/average`: per time bucket, the sum or the mean of a
// numeric expression over one event's rows (spec §2.2). A row whose value is not a number
// counts as 0 and, for the mean, still counts in the denominator. A bare property reference
// reads its number column directly; any other expression is evaluated row by row.

import ApusExpression
import ApusModel
import ApusStoreCore

/// Sum or mean of an expression per bucket.
package enum NumericAggregate: String, Sendable {
    case sum, average
}

package struct NumericAggregateQuery: Sendable {
    package var event: String
    package var from: CivilDate
    package var to: CivilDate
    package var unit: TimeUnit
    package var on: Expression
    package var filter: Expression?
    package var aggregate: NumericAggregate

    package init(event: String, from: CivilDate, to: CivilDate, unit: TimeUnit = .day, on: Expression, filter: Expression? = nil,
                 aggregate: NumericAggregate) {
        self.event = event
        self.from = from
        self.to = to
        self.unit = unit
        self.on = on
        self.filter = filter
        self.aggregate = aggregate
    }
}

package enum NumericAggregateRunner {
    /// Per bucket label, in time order: the sum or mean (0 for a bucket without events).
    package static func run(_ query: NumericAggregateQuery, snapshot: any EventSnapshot, zone: ProjectTimeZone,
                            policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> [(label: String, value: Double)] {
        try SegmentationRunner.checkRange(from: query.from, to: query.to)
        let buckets = try TimeBuckets(from: query.from, to: query.to, unit: query.unit, zone: zone)
        let needs = try ExpressionNeeds(reading: [query.on, query.filter])
        var request = ScanRequest(days: buckets.utcDays, timeMs: buckets.range, eventNames: [query.event])
        needs.apply(to: &request)
        request.deliversUids = needs.uids
        let on = query.on, filter = query.filter, event = query.event
        let users = needs.userProfiles(snapshot, policy)
        let nb = buckets.labels.count
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { (sums: [Double](repeating: 0, count: nb), counts: [Int](repeating: 0, count: nb), tables: [Int32: [Int32]]()) },
                                     fold: { state, block in
            let exact = block.names.map { $0.utf8.elementsEqual(event.utf8) }
            let keep = filter.map { BlockExpressionRow.matching($0, block, snapshot: snapshot, counted: exact, users: users) }
            let dayStart = Int64(block.day) * 86_400_000
            let table = state.tables[block.day] ?? buckets.minuteTable(utcDay: block.day)
            state.tables[block.day] = table
            let values = numbers(on, block, snapshot: snapshot, counted: exact, users: users)
            for r in 0..<block.count where exact[Int(block.nameIds[r])] && (keep?[r] ?? true) {
                let minute = (block.timesMs[r] - dayStart) / 60_000
                guard minute >= 0 && minute < 1440 else { continue }
                let b = Int(table[Int(minute)])
                guard b >= 0 else { continue }
                state.sums[b] += values[r]
                state.counts[b] += 1
            }
        })
        var sums = [Double](repeating: 0, count: nb), counts = [Int](repeating: 0, count: nb)
        for s in states {
            for b in 0..<nb {
                sums[b] += s.sums[b]
                counts[b] += s.counts[b]
            }
        }
        return buckets.labels.indices.map { b in
            let value = query.aggregate == .sum ? sums[b] : (counts[b] == 0 ? 0 : sums[b] / Double(counts[b]))
            return (buckets.labels[b], value)
        }
    }

    /// Each row's value of `on` as a number (0 when it is not one).
    static func numbers(_ on: Expression, _ block: EventBlock, snapshot: any EventSnapshot, counted: [Bool]? = nil,
                        users: UserProfiles? = nil) -> [Double] {
        let (values, present) = numbersAndPresence(on, block, snapshot: snapshot, counted: counted, users: users)
        return (0..<block.count).map { present[$0] ? values[$0] : 0 }
    }

    /// Each row's value of `on`, and whether it is a number there. A bare property reference
    /// reads its number column; anything else is evaluated row by row.
    /// With `counted` (a flag per name of the block), rows of other events are not evaluated.
    static func numbersAndPresence(_ on: Expression, _ block: EventBlock, snapshot: any EventSnapshot,
                                   counted: [Bool]? = nil, users: UserProfiles? = nil) -> (values: [Double], present: [Bool]) {
        if case .property(let key) = on.kind, let p = VectorFilter.column(key, block, BlockExpressionRow.columns(of: block)) {
            guard let v = p.numbers else { return ([Double](repeating: 0, count: block.count), [Bool](repeating: false, count: block.count)) }
            return (v.values, (0..<block.count).map { v.present[$0] })
        }
        var row = BlockExpressionRow(block: block, snapshot: snapshot, users: users)
        var values = [Double](repeating: 0, count: block.count), present = [Bool](repeating: false, count: block.count)
        for r in 0..<block.count {
            if let counted, !counted[Int(block.nameIds[r])] { continue }
            row.row = r
            if case .number(let x) = ExpressionEvaluator.evaluate(on, row: row) {
                values[r] = x
                present[r] = true
            }
        }
        return (values, present)
    }
}
