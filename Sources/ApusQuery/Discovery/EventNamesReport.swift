// Which events a project has, most common first (`/events/names`): a count per name over a
// local date range, reading the name column and nothing else the range does not need.

import ApusModel
import ApusStoreCore

package enum EventNamesReport {
    /// Each event name seen in local dates `from`…`to` with its count, most common first (ties
    /// by name bytes).
    package static func run(from: CivilDate, to: CivilDate, zone: ProjectTimeZone, snapshot: any EventSnapshot, policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> [(String, Int)] {
        let start = zone.start(of: from), end = zone.start(of: CivilDate(daysSinceEpoch: to.daysSinceEpoch + 1))
        let days = Int32(floorDiv(start, 86_400_000))...Int32(floorDiv(end - 1, 86_400_000))
        var request = ScanRequest(days: days, timeMs: start..<end)
        request.uidsAndTimes = false
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { NameCounts() }, fold: { counts, block in counts.add(block) })
        var total = NameCounts()
        for s in states { total.merge(s) }
        return total.sorted()
    }
}

/// Events per name, names keyed by their bytes.
struct NameCounts {
    var counts: [[UInt8]: (name: String, count: Int)] = [:]

    mutating func add(_ block: EventBlock) {
        var local = [Int](repeating: 0, count: block.names.count)
        for id in block.nameIds { local[Int(id)] += 1 }
        for (i, n) in local.enumerated() where n > 0 {
            counts[Array(block.names[i].utf8), default: (block.names[i], 0)].count += n
        }
    }

    mutating func merge(_ other: NameCounts) {
        for (key, value) in other.counts { counts[key, default: (value.name, 0)].count += value.count }
    }

    func sorted() -> [(String, Int)] {
        counts.sorted { a, b in a.value.count != b.value.count ? a.value.count > b.value.count : a.key.lexicographicallyPrecedes(b.key) }
            .map { ($0.value.name, $0.value.count) }
    }
}
