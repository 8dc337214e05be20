// Memtable rows laid out as columns: per UTC day, blocks sorted by (uid, time, seq) with every
// column (provisional uids), built in the background from a stretch of chunks, and merged with
// its neighbours as runs accumulate (each merge deduplicates, like a part's). Scans and the
// flush take a run's day as one sorted source, cut to what the request asks for.

import ApusModel
import ApusStoreCore

/// A columnar, immutable copy of some memtable rows.
package final class MemtableRun: Sendable {
    package let rowCount: Int
    package let blocksByDay: [Int32: [EventBlock]]

    /// What runs hold: every column of every row (the sources of a merge).
    static let request = MergingCursor.sourceRequest(.everything(days: Int32.min...Int32.max))

    init(rowCount: Int, blocksByDay: [Int32: [EventBlock]]) {
        self.rowCount = rowCount
        self.blocksByDay = blocksByDay
    }

    /// The rows of `chunks` as a run (uids from `userIds`, provisional until the next flush).
    static func build(_ chunks: ArraySlice<MemtableChunk>, userIds: UserIdDictionary) throws(StoreError) -> MemtableRun {
        let list = Array(chunks)
        var byDay: [Int32: [EventBlock]] = [:]
        var rows = 0
        for day in MemtableBlocks.days(list, in: Int32.min...Int32.max) {
            let blocks = try MemtableBlocks.blocks(list, day: day, request: request, userIds: userIds)
            rows += blocks.reduce(0) { $0 + $1.count }
            byDay[day] = blocks
        }
        return MemtableRun(rowCount: rows, blocksByDay: byDay)
    }

    /// The UTC days in `range` on which `runs` or the `tail` chunks hold rows.
    static func days(_ runs: [MemtableRun], tail: [MemtableChunk], in range: ClosedRange<Int32>) -> Set<Int32> {
        var days = MemtableBlocks.days(tail, in: range)
        for run in runs { days.formUnion(run.blocksByDay.keys.filter(range.contains)) }
        return days
    }

    /// Two or more runs as one, deduplicated.
    static func merge(_ runs: [MemtableRun]) throws(StoreError) -> MemtableRun {
        var days = Set<Int32>()
        for r in runs { days.formUnion(r.blocksByDay.keys) }
        var byDay: [Int32: [EventBlock]] = [:]
        var rows = 0
        for day in days {
            let sources = runs.compactMap { $0.blocksByDay[day].map { EventBlockCursor.over($0) } }
            let merged = try MergingCursor(day: day, request: .everything(days: day...day), sources: sources)
            var blocks: [EventBlock] = []
            while let b = try merged.next() {
                rows += b.count
                blocks.append(b)
            }
            byDay[day] = blocks
        }
        return MemtableRun(rowCount: rows, blocksByDay: byDay)
    }

    /// The run's rows of `day` that `request` keeps, with the columns it asks for (a merge
    /// source: `request` is a `MergingCursor.sourceRequest`).
    func blocks(day: Int32, _ request: ScanRequest) -> [EventBlock] {
        guard let blocks = blocksByDay[day] else { return [] }
        return blocks.compactMap { Self.project($0, request) }
    }

    /// `block` cut to the rows and columns of `request`; nil when no row remains.
    static func project(_ block: EventBlock, _ request: ScanRequest) -> EventBlock? {
        var b = block
        // Names compare by their bytes, as the parts' readers compare them.
        let wanted: Set<UInt32>? = request.eventNames.map { names in
            let exact = Set(names.map(ExactText.init))
            return Set(block.names.indices.filter { exact.contains(ExactText(block.names[$0])) }.map(UInt32.init))
        }
        if request.timeMs != nil || request.uids != nil || wanted != nil {
            let keep = (0..<block.count).filter { r in
                (request.timeMs?.contains(block.timesMs[r]) ?? true) && (request.uids?.contains(block.uids[r]) ?? true)
                    && (wanted?.contains(block.nameIds[r]) ?? true)
            }
            if keep.isEmpty { return nil }
            if keep.count < block.count { b = b.selecting(keep) }
        }
        if !request.seqs { b.seqs = [] }
        if !request.insertIds { b.insertIds = StringColumn() }
        switch request.properties {
        case .all:
            if !request.keyOrder { b.keyOrder = nil }
        case .none:
            b.propertyKeys = []
            b.properties = []
            b.keyOrder = nil
        case .keys(let keys):
            var seen = Set<ExactText>()
            let unique = keys.filter { seen.insert(ExactText($0)).inserted }
            let index = Dictionary(b.propertyKeys.enumerated().map { (ExactText($1), $0) }, uniquingKeysWith: { a, _ in a })
            if request.keyOrder, let order = b.keyOrder {
                let slot = Dictionary(unique.enumerated().map { (ExactText($1), UInt32($0)) }, uniquingKeysWith: { a, _ in a })
                let shapes = order.shapes.map { shape in shape.compactMap { slot[ExactText(b.propertyKeys[Int($0)])] } }
                b.keyOrder = EventBlock.KeyOrder(shapes: shapes, shapeOfRow: order.shapeOfRow)
            } else {
                b.keyOrder = nil
            }
            b.properties = unique.map { k in index[ExactText(k)].map { b.properties[$0] } ?? PropertyBlock() }
            b.propertyKeys = unique
        }
        return b
    }
}
