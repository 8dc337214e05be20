// `apus verify` on a block part: every chunk read and checksummed, and every claim the footer
// makes checked against the rows (counts, ranges, names, types, order, no duplicates).

import ApusStoreCore

extension BlockPart {
    /// Problems found, as messages naming the file; empty when the part is sound. `userCount`:
    /// uids must be below it.
    package func verify(userCount: Int) -> [String] {
        var problems: [String] = []
        func problem(_ s: String) { problems.append("\(path): \(s)") }
        let request = ScanRequest.everything(days: footer.day...footer.day)
        var rows = 0
        var nameRows = [Int](repeating: 0, count: footer.names.count)
        var typeRows = footer.keys.map { _ in [Int](repeating: 0, count: ValueType.allCases.count) }
        var previous: (UInt32, Int64, UInt64)? = nil
        var keysOfUserSecond = Set<[UInt8]>()
        var userSecond: (UInt32, Int64)? = nil
        for (i, info) in footer.blocks.enumerated() {
            let block: EventBlock
            do throws(StoreError) {
                guard let b = try self.block(i, request) else { problem("block \(i) is empty"); continue }
                block = b
            } catch {
                problems.append(error.message)
                continue
            }
            guard block.count == info.rowCount else { problem("block \(i) has \(block.count) rows, its entry says \(info.rowCount)"); continue }
            rows += block.count
            for r in 0..<block.count {
                let key = (block.uids[r], block.timesMs[r], block.seqs[r])
                if let p = previous, key < p { problem("block \(i) row \(r) is out of (uid, time, seq) order") }
                previous = key
                if Int(block.uids[r]) >= userCount { problem("block \(i) row \(r) has uid \(block.uids[r]), the dictionary holds \(userCount)") }
                if utcDay(ofTimeMs: block.timesMs[r]) != footer.day { problem("block \(i) row \(r) is not on day \(footer.day)") }
                if block.seqs[r] < footer.minSeq || block.seqs[r] > footer.maxSeq { problem("block \(i) row \(r) has seq \(block.seqs[r]) outside the part's range") }
                nameRows[Int(block.nameIds[r])] += 1
                if !info.holds(name: Int(block.nameIds[r])) { problem("block \(i) holds a name its entry does not list") }
                let us = (block.uids[r], floorDiv(block.timesMs[r], 1000))
                if userSecond.map({ $0 != us }) ?? true {
                    userSecond = us
                    keysOfUserSecond.removeAll(keepingCapacity: true)
                }
                if !keysOfUserSecond.insert(MergingCursor.dedupeKey(block, row: r)).inserted { problem("block \(i) row \(r) duplicates an earlier row's dedupe key") }
            }
            if block.timesMs.min() != info.minTimeMs || block.timesMs.max() != info.maxTimeMs { problem("block \(i)'s time range is wrong") }
            if block.uids.first != info.minUid || block.uids.last != info.maxUid { problem("block \(i)'s uid range is wrong") }
            for (k, p) in block.properties.enumerated() {
                guard let key = footer.keys.firstIndex(where: { $0.key == block.propertyKeys[k] }) else { continue }
                let typed: [(ValueType, Bitmap?)] = [(.strings, p.strings?.present), (.numbers, p.numbers?.present), (.booleans, p.booleans?.present),
                                                     (.nulls, p.nulls), (.lists, p.lists?.present), (.objects, p.objects?.present)]
                for (type, present) in typed { typeRows[key][Int(type.rawValue) - 1] += present?.setCount ?? 0 }
            }
        }
        if rows != footer.rowCount { problem("holds \(rows) rows, its footer says \(footer.rowCount)") }
        if nameRows != footer.nameRows { problem("event name counts differ from the footer's") }
        if typeRows != footer.keys.map(\.rowsByType) { problem("property type counts differ from the footer's") }
        return problems
    }
}

extension BlockPart {
    /// Bytes on disk per column (`uids`, `times`, …, `key:type`, `key:dictionary`), for sizing
    /// work and `apus verify` statistics.
    package func columnBytes() -> [String: Int] {
        var out: [String: Int] = [:]
        for b in footer.blocks {
            for (name, c) in [("uids", b.uids), ("times", b.times), ("names", b.nameIds), ("seqs", b.seqs),
                              ("insertIds", b.insertIds), ("keyOrder", b.keyOrder)] {
                out[name, default: 0] += Int(c.length) + (c.length > 0 ? 4 : 0)
            }
            for p in b.properties {
                out["\(footer.keys[Int(p.key)].key):\(p.type)", default: 0] += Int(p.chunk.length) + 4
            }
        }
        for k in footer.keys { if let d = k.dictionary { out["\(k.key):dictionary", default: 0] += Int(d.length) + 4 } }
        return out
    }
}
