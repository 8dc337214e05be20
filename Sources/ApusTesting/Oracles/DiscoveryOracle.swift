// The naive reference for the discovery reports (`/events/names`, `/events/properties/top`):
// decoded rows counted in plain loops, with the local date range from Foundation's calendar.

import ApusModel
import Foundation

package enum DiscoveryOracle {
    /// Rows in local dates `from`…`to` of `zone`.
    static func inRange(_ rows: [ScanRow], from: CivilDate, to: CivilDate, zone identifier: String) -> [ScanRow] {
        var calendar = Foundation.Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: identifier)!
        func start(_ d: CivilDate) -> Date { calendar.date(from: DateComponents(year: d.year, month: d.month, day: d.day))! }
        let lo = start(from), hi = start(CivilDate(daysSinceEpoch: to.daysSinceEpoch + 1))
        return rows.filter { row in
            let t = Date(timeIntervalSince1970: Double(row.timeMs) / 1000)
            return t >= lo && t < hi
        }
    }

    /// Most first, ties by bytes.
    static func ranked(_ counts: [[UInt8]: Int]) -> [(String, Int)] {
        counts.sorted { a, b in a.value != b.value ? a.value > b.value : a.key.lexicographicallyPrecedes(b.key) }
            .map { (String(decoding: $0.key, as: UTF8.self), $0.value) }
    }

    /// Each event name with its count.
    package static func eventNames(_ rows: [ScanRow], from: CivilDate, to: CivilDate, zone: String) -> [(String, Int)] {
        var counts: [[UInt8]: Int] = [:]
        for row in inRange(rows, from: from, to: to, zone: zone) { counts[Array(row.name.utf8), default: 0] += 1 }
        return ranked(counts)
    }

    /// Each property key of `event` with the rows holding it.
    package static func propertyKeys(event: String, _ rows: [ScanRow], from: CivilDate, to: CivilDate, zone: String) -> [(String, Int)] {
        var counts: [[UInt8]: Int] = [:]
        for row in inRange(rows, from: from, to: to, zone: zone) where row.name.utf8.elementsEqual(event.utf8) {
            for key in Set(row.properties.map { Array($0.key.utf8) }) { counts[key, default: 0] += 1 }
        }
        return ranked(counts)
    }
}
