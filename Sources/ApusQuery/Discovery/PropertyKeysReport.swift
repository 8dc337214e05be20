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
        // Which keys a row holds is its key order's shape: no property value is read.
        var request = ScanRequest(days: range.utcDays, timeMs: range.instants, eventNames: [event], properties: .all, keyOrder: true)
        request.deliversPropertyValues = false
        request.uidsAndTimes = false
        request.filtersRowsByName = false
        let states = try DayScan.run(snapshot, request, policy: policy, makeState: { CountsByText() }, fold: { counts, block in
            guard let order = block.keyOrder else { return }
            // Rows of exactly `event` (names compare by their bytes), counted per shape in slot
            // shape + 1 (other rows in slot 0), without a branch per row.
            let mask = block.names.map { $0.utf8.elementsEqual(event.utf8) ? -1 : 0 }
            var slots = [UInt32](repeating: 0, count: order.shapeOfRow.count)
            slots.withUnsafeMutableBufferPointer { slots in
                order.shapeOfRow.withUnsafeBufferPointer { shapes in
                    block.nameIds.withUnsafeBufferPointer { names in
                        mask.withUnsafeBufferPointer { mask in
                            for r in 0..<slots.count { slots[r] = UInt32(truncatingIfNeeded: (Int(shapes[r]) &+ 1) & mask[Int(names[r])]) }
                        }
                    }
                }
            }
            let perShape = Array(SegmentationKernel.histogram(slots, slots: order.shapes.count + 1).dropFirst())
            var perKey = [Int](repeating: 0, count: block.propertyKeys.count)
            for (s, n) in perShape.enumerated() where n > 0 {
                for k in order.shapes[s] { perKey[Int(k)] += n }
            }
            for (k, n) in perKey.enumerated() where n > 0 { counts.add(block.propertyKeys[k], n) }
        })
        var total = CountsByText()
        for s in states { total.merge(s) }
        return total.sorted()
    }
}
