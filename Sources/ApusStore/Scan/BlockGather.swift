// Builds one block from rows picked out of other blocks, a column at a time: each column of
// the inputs is laid end to end once, then gathered by the picks in a tight loop. How merged
// scans, flushes and merges copy rows: per-row copying of nested column values costs more in
// reference counting than the copying itself.

import ApusStoreCore

enum BlockGather {
    /// A picked row: `row` of `inputs[input]`.
    struct Pick {
        var input: Int32
        var row: Int32
    }

    /// The block of `picks` (in order), with the columns `request` asks for.
    static func build(day: Int32, request: ScanRequest, inputs: [EventBlock], picks: [Pick]) -> EventBlock {
        let n = picks.count
        var rowBase: [Int] = []
        var total = 0
        for b in inputs {
            rowBase.append(total)
            total += b.count
        }
        var at = [Int](repeating: 0, count: n)
        for j in 0..<n { at[j] = rowBase[Int(picks[j].input)] + Int(picks[j].row) }

        func gather<T>(_ column: (EventBlock) -> [T]) -> [T] {
            var all: [T] = []
            all.reserveCapacity(total)
            for b in inputs { all += column(b) }
            return at.map { all[$0] }
        }

        var names: [String] = []
        var nameIndex: [ExactText: UInt32] = [:]
        func intern(_ s: String) -> UInt32 {
            if let id = nameIndex[ExactText(s)] { return id }
            let id = UInt32(names.count)
            nameIndex[ExactText(s)] = id
            names.append(s)
            return id
        }
        var allNames: [UInt32] = []
        allNames.reserveCapacity(total)
        for b in inputs {
            let map = b.names.map(intern)
            allNames += b.nameIds.map { map[Int($0)] }
        }
        var block = EventBlock(day: day, count: n, uids: gather(\.uids), timesMs: gather(\.timesMs),
                               nameIds: at.map { allNames[$0] }, names: names)
        if request.seqs { block.seqs = gather(\.seqs) }
        if request.insertIds { block.insertIds = gatherText(inputs.map(\.insertIds), at: at) }
        guard request.properties != .none else { return block }

        var keys: [String] = []
        switch request.properties {
        case .keys(let wanted):
            var seen = Set<ExactText>()
            keys = wanted.filter { seen.insert(ExactText($0)).inserted }
        default:
            var seen = Set<ExactText>()
            for b in inputs { for k in b.propertyKeys where seen.insert(ExactText(k)).inserted { keys.append(k) } }
        }
        let keyIndex = Dictionary(keys.enumerated().map { (ExactText($1), $0) }, uniquingKeysWith: { a, _ in a })
        var columns = [PropertyBlock](repeating: PropertyBlock(), count: keys.count)
        for (k, key) in keys.enumerated() {
            columns[k] = gatherProperty(key, inputs: inputs, rowBase: rowBase, total: total, at: at)
        }
        block.propertyKeys = keys
        block.properties = columns
        if request.keyOrder {
            var shapes: [[UInt32]] = []
            var shapeIndex: [[UInt32]: UInt32] = [:]
            var allShapes: [UInt32] = []
            allShapes.reserveCapacity(total)
            func shapeId(_ shape: [UInt32]) -> UInt32 {
                if let id = shapeIndex[shape] { return id }
                let id = UInt32(shapes.count)
                shapeIndex[shape] = id
                shapes.append(shape)
                return id
            }
            for b in inputs {
                guard let order = b.keyOrder else {
                    // No order known: the row's keys in the block's key order.
                    allShapes += repeatElement(shapeId(b.propertyKeys.compactMap { keyIndex[ExactText($0)].map(UInt32.init) }), count: b.count)
                    continue
                }
                let map = order.shapes.map { shape in shapeId(shape.compactMap { keyIndex[ExactText(b.propertyKeys[Int($0)])].map(UInt32.init) }) }
                allShapes += order.shapeOfRow.map { map[Int($0)] }
            }
            if shapes.isEmpty { shapes = [[]] }
            block.keyOrder = EventBlock.KeyOrder(shapes: shapes, shapeOfRow: at.map { allShapes[$0] })
        }
        return block
    }

    /// One key's typed columns over the picks.
    private static func gatherProperty(_ key: String, inputs: [EventBlock], rowBase: [Int], total: Int, at: [Int]) -> PropertyBlock {
        let n = at.count
        var out = PropertyBlock()
        let sources = inputs.enumerated().compactMap { i, b in b.property(key).map { (i, $0) } }
        guard !sources.isEmpty else { return out }

        func presence(_ pick: (PropertyBlock) -> Bitmap?) -> (all: Bitmap, picked: Bitmap)? {
            var all = Bitmap(count: total)
            var any = false
            for (i, p) in sources {
                guard let bits = pick(p) else { continue }
                any = true
                all.setRows(of: bits, at: rowBase[i])
            }
            guard any else { return nil }
            let picked = Bitmap(count: n) { all[at[$0]] }
            return picked.isEmpty ? nil : (all, picked)
        }

        if let (_, picked) = presence({ $0.strings?.present }) {
            var dictionary: [String] = []
            var index: [ExactText: UInt32] = [:]
            var all = [UInt32](repeating: 0, count: total)
            all.withUnsafeMutableBufferPointer { all in
                for (i, p) in sources {
                    guard let s = p.strings else { continue }
                    var map = [UInt32](repeating: UInt32.max, count: s.dictionary.count)
                    map.withUnsafeMutableBufferPointer { map in
                        s.ids.withUnsafeBufferPointer { ids in
                            let base = rowBase[i]
                            s.present.forEachSet { r in
                                let id = Int(ids[r])
                                if map[id] == UInt32.max {
                                    let str = s.dictionary[id]
                                    if let known = index[ExactText(str)] { map[id] = known } else {
                                        map[id] = UInt32(dictionary.count)
                                        index[ExactText(str)] = map[id]
                                        dictionary.append(str)
                                    }
                                }
                                all[base + r] = map[id]
                            }
                        }
                    }
                }
            }
            var ids = [UInt32](repeating: 0, count: n)
            ids.withUnsafeMutableBufferPointer { ids in
                all.withUnsafeBufferPointer { all in picked.forEachSet { ids[$0] = all[at[$0]] } }
            }
            out.strings = StringValues(present: picked, ids: ids, dictionary: dictionary)
        }
        if let (_, picked) = presence({ $0.numbers?.present }) {
            var all = [Double](repeating: 0, count: total)
            all.withUnsafeMutableBufferPointer { all in
                for (i, p) in sources {
                    guard let v = p.numbers else { continue }
                    let base = rowBase[i]
                    v.values.withUnsafeBufferPointer { values in v.present.forEachSet { all[base + $0] = values[$0] } }
                }
            }
            var values = [Double](repeating: 0, count: n)
            values.withUnsafeMutableBufferPointer { values in
                all.withUnsafeBufferPointer { all in picked.forEachSet { values[$0] = all[at[$0]] } }
            }
            out.numbers = NumberValues(present: picked, values: values)
        }
        if let (_, picked) = presence({ $0.booleans?.present }) {
            var all = Bitmap(count: total)
            for (i, p) in sources { if let v = p.booleans { all.setRows(of: v.values, at: rowBase[i]) } }
            let values = Bitmap(count: n) { picked[$0] && all[at[$0]] }
            out.booleans = BooleanValues(present: picked, values: values)
        }
        if let (_, picked) = presence({ $0.nulls }) { out.nulls = picked }
        if let (_, picked) = presence({ $0.lists?.present }) {
            let texts = inputs.map { b in b.property(key)?.lists?.text ?? StringColumn(empty: b.count) }
            out.lists = JSONTextValues(present: picked, text: gatherText(texts, at: at))
        }
        if let (_, picked) = presence({ $0.objects?.present }) {
            let texts = inputs.map { b in b.property(key)?.objects?.text ?? StringColumn(empty: b.count) }
            out.objects = JSONTextValues(present: picked, text: gatherText(texts, at: at))
        }
        return out
    }

    /// Byte strings of every input laid end to end, then picked.
    private static func gatherText(_ columns: [StringColumn], at: [Int]) -> StringColumn {
        var arena: [UInt8] = []
        var starts: [Int] = [], ends: [Int] = []
        for c in columns {
            let base = arena.count
            arena += c.arena
            for r in 0..<c.count {
                let range = c.range(of: r)
                starts.append(base + range.lowerBound)
                ends.append(base + range.upperBound)
            }
        }
        var out = StringColumn()
        out.reserve(rows: at.count, bytes: 0)
        arena.withUnsafeBufferPointer { a in
            for g in at { out.append(bytes: UnsafeBufferPointer(rebasing: a[starts[g]..<ends[g]])) }
        }
        return out
    }
}
