// Which properties an event carries, most common first (`/events/properties/top`): rows of the
// event holding each key, over a local date range.

import ApusModel
import ApusStoreCore

package enum PropertyKeysReport {
    /// Each property key of `event` in local dates `from`…`to` with the rows that hold it, most
    /// first (ties by key bytes).
    package static func run(event: String, from: CivilDate, to: CivilDate, zone: ProjectTimeZone,
                            snapshot: any EventSnapshot, policy: ScanPolicy = ScanPolicy()) throws(ReportError) -> [(String, Int)] {
        let start = zone.start(of: from), end = zone.start(of: CivilDate(daysSinceEpoch: to.daysSinceEpoch + 1))
        let days = Int32(floorDiv(start, 86_400_000))...Int32(floorDiv(end - 1, 86_400_000))
        let request = ScanRequest(days: days, timeMs: start..<end, eventNames: [event], properties: .all)
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { KeyCounts() }, fold: { counts, block in counts.add(block, event: event) })
        var total = KeyCounts()
        for s in states { total.merge(s) }
        return total.sorted()
    }
}

/// Rows per property key, keys by their bytes.
struct KeyCounts {
    var counts: [[UInt8]: (key: String, count: Int)] = [:]

    mutating func add(_ block: EventBlock, event: String) {
        // The store filters by name with String equality; count only rows of exactly `event`.
        let exact = block.names.map { $0.utf8.elementsEqual(event.utf8) }
        let rows = Bitmap(count: block.count) { exact[Int(block.nameIds[$0])] }
        for (k, key) in block.propertyKeys.enumerated() {
            let n = block.properties[k].present(rowCount: block.count).intersection(rows).setCount
            if n > 0 { counts[Array(key.utf8), default: (key, 0)].count += n }
        }
    }

    mutating func merge(_ other: KeyCounts) {
        for (k, v) in other.counts { counts[k, default: (v.key, 0)].count += v.count }
    }

    func sorted() -> [(String, Int)] {
        counts.sorted { a, b in a.value.count != b.value.count ? a.value.count > b.value.count : a.key.lexicographicallyPrecedes(b.key) }
            .map { ($0.value.key, $0.value.count) }
    }
}
