// A report's time buckets: half-open local periods over the requested dates, each labelled by
// its start on the project's calendar ("2025-03-01", "2025-03-01 13:00:00"). The first and last
// may be cut by the range and keep their labels. Weeks start on Monday. Rows find their bucket
// through a per-UTC-day table of minutes, so a kernel pays one multiply and one load per row
// whatever the unit or zone.

import ApusModel
import ApusStoreCore

/// The buckets of one report.
package struct TimeBuckets: Sendable {
    /// Most buckets a report may have.
    package static let bucketsMax = 50_000

    /// Bucket labels, in time order (distinct: two local hours with one label, as when clocks go
    /// back, are one bucket).
    package let labels: [String]
    /// Local periods as instants: `starts[i]` begins a period of bucket `bucketOf[i]`; the last
    /// entry is the end of the range.
    private let starts: [Int64]
    private let bucketOf: [Int32]
    /// The instants the range covers.
    package var range: Range<Int64> { starts[0]..<starts[starts.count - 1] }
    /// UTC days the range touches.
    package var utcDays: ClosedRange<Int32> {
        Int32(floorDiv(range.lowerBound, 86_400_000))...Int32(floorDiv(range.upperBound - 1, 86_400_000))
    }

    /// Buckets of `unit` over local dates `from`…`to` (inclusive).
    package init(from: CivilDate, to: CivilDate, unit: TimeUnit, zone: ProjectTimeZone) throws(ReportError) {
        let end = zone.range(from: from, to: to).instants.upperBound
        var starts: [Int64] = [], labels: [String] = []
        switch unit {
        case .minute, .hour:
            let step: Int64 = unit == .minute ? 60_000 : 3_600_000
            var t = zone.start(of: from)
            guard (end - t) / step <= Int64(Self.bucketsMax) else { throw Self.tooMany(unit) }
            while t < end {
                starts.append(t)
                labels.append(Self.label(local: zone.local(t), withTime: true))
                // The next wall-clock boundary (a zone's offset may not be whole hours).
                let local = zone.local(t)
                t = zone.instant(ofLocal: (floorDiv(local, step) + 1) * step)
            }
        case .day, .week, .month:
            var date = from
            while date <= to {
                starts.append(zone.start(of: date))
                let labelDate: CivilDate
                var next: CivilDate
                switch unit {
                case .day:
                    labelDate = date
                    next = CivilDate(daysSinceEpoch: date.daysSinceEpoch + 1)
                case .week:
                    // 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) mod 7.
                    let weekday = Int64(floorMod(date.daysSinceEpoch + 3, 7))
                    labelDate = CivilDate(daysSinceEpoch: date.daysSinceEpoch - weekday)
                    next = CivilDate(daysSinceEpoch: labelDate.daysSinceEpoch + 7)
                default:
                    labelDate = CivilDate(year: date.year, month: date.month, day: 1)!
                    next = date.month == 12 ? CivilDate(year: date.year + 1, month: 1, day: 1)! : CivilDate(year: date.year, month: date.month + 1, day: 1)!
                }
                labels.append(labelDate.description)
                date = next
                guard labels.count <= Self.bucketsMax else { throw Self.tooMany(unit) }
            }
        }
        self.init(starts: starts, labels: labels, end: end)
    }

    /// Buckets of `intervalDays` local days each, from `from`; the last may be shorter.
    package init(from: CivilDate, to: CivilDate, intervalDays: Int, zone: ProjectTimeZone) throws(ReportError) {
        guard intervalDays >= 1 else { throw ReportError(.invalidParameter, "interval must be a whole number of days, 1 or more") }
        var starts: [Int64] = [], labels: [String] = []
        var day = from.daysSinceEpoch
        while day <= to.daysSinceEpoch {
            let date = CivilDate(daysSinceEpoch: day)
            starts.append(zone.start(of: date))
            labels.append(date.description)
            day += Int64(intervalDays)
        }
        self.init(starts: starts, labels: labels, end: zone.range(from: from, to: to).instants.upperBound)
    }

    private init(starts: [Int64], labels: [String], end: Int64) {
        var distinct: [String] = [], bucketOf: [Int32] = []
        var index: [String: Int32] = [:]
        for label in labels {
            if let i = index[label] {
                bucketOf.append(i)
            } else {
                index[label] = Int32(distinct.count)
                bucketOf.append(Int32(distinct.count))
                distinct.append(label)
            }
        }
        self.labels = distinct
        self.starts = starts + [end]
        self.bucketOf = bucketOf
    }

    private static func tooMany(_ unit: TimeUnit) -> ReportError {
        ReportError(.tooLarge, "the date range holds more than \(bucketsMax) \(unit.rawValue)s; choose a shorter range or a longer unit")
    }

    /// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:00" of local wall-clock time `local`.
    static func label(local: Int64, withTime: Bool) -> String {
        let date = CivilDate(daysSinceEpoch: floorDiv(local, 86_400_000))
        guard withTime else { return date.description }
        let minutes = floorMod(local, 86_400_000) / 60_000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(date) \(two(minutes / 60)):\(two(minutes % 60)):00"
    }

    /// The bucket of instant `ms`, or nil outside the range.
    package func bucket(of ms: Int64) -> Int? {
        guard range.contains(ms) else { return nil }
        var lo = 0, hi = starts.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if starts[mid] <= ms { lo = mid } else { hi = mid }
        }
        return Int(bucketOf[lo])
    }

    /// For UTC day `day`: the bucket of each minute of the day (-1 outside the range), so that
    /// a row's bucket is `table[(time - dayStart) / 60_000]`.
    package func minuteTable(utcDay day: Int32) -> [Int32] {
        let dayStart = Int64(day) * 86_400_000
        var table = [Int32](repeating: -1, count: 1440)
        // Boundaries are whole minutes in every zone the database holds today.
        var i = 0
        while i + 1 < starts.count && starts[i + 1] <= dayStart { i += 1 }
        for m in 0..<1440 {
            let t = dayStart + Int64(m) * 60_000
            while i + 1 < starts.count && starts[i + 1] <= t { i += 1 }
            if t >= starts[0] && t < starts[starts.count - 1] { table[m] = bucketOf[i] }
        }
        return table
    }
}

@inline(__always)
func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return r < 0 ? r + b : r
}
