// Which properties an event carries, most common first (`/events/properties/top`): rows of the
// event holding each key, over a local date range.

import ApusModel
import ApusStoreCore

package enum PropertyKeysReport {
    /// Each property key of `event` in local dates `from`…`to` with the rows that hold it, most
    /// first (ties by key bytes).
    package static func run(event: String, from: CivilDate, to: CivilDate, zone: ProjectTimeZone,
                            snapshot: any EventSnapshot, policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> [(String, Int)] {
        let range = zone.range(from: from, to: to)
        let request = ScanRequest(days: range.utcDays, timeMs: range.instants, eventNames: [event], properties: .all)
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { CountsByText() }, fold: { counts, block in
            // The store filters by name with String equality; count only rows of exactly `event`.
            let exact = block.names.map { $0.utf8.elementsEqual(event.utf8) }
            let rows = Bitmap(count: block.count) { exact[Int(block.nameIds[$0])] }
            for (k, key) in block.propertyKeys.enumerated() {
                let n = block.properties[k].present(rowCount: block.count).intersection(rows).setCount
                if n > 0 { counts.add(key, n) }
            }
        })
        var total = CountsByText()
        for s in states { total.merge(s) }
        return total.sorted()
    }
}
