// Which events a project has, most common first (`/events/names`): a count per name over a
// local date range, reading the name column and nothing else the range does not need.

import ApusModel
import ApusStoreCore

package enum EventNamesReport {
    /// Each event name seen in local dates `from`…`to` with its count, most common first (ties
    /// by name bytes).
    package static func run(from: CivilDate, to: CivilDate, zone: ProjectTimeZone, snapshot: any EventSnapshot, policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> [(String, Int)] {
        let range = zone.range(from: from, to: to)
        var request = ScanRequest(days: range.utcDays, timeMs: range.instants)
        request.uidsAndTimes = false
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { CountsByText() }, fold: { counts, block in
            let local = SegmentationKernel.histogram(block.nameIds, slots: block.names.count)
            for (i, n) in local.enumerated() where n > 0 { counts.add(block.names[i], n) }
        })
        var total = CountsByText()
        for s in states { total.merge(s) }
        return total.sorted()
    }
}
