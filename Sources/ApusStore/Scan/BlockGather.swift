// Builds blocks from rows picked out of other blocks, a column at a time: each column of the
// inputs is laid end to end once, then gathered by the picks in a tight loop. How merged
// scans, flushes, merges and bulk loads copy rows: per-row copying of nested column values
// costs more in reference counting than the copying itself.
//
// The picks may be cut into several blocks (a bulk-loaded day becomes blocks of `rowsMax`
// rows): the inputs are laid out once for all of them, and each block's string dictionaries
// hold only the entries its rows use, numbered without hashing again (each distinct string
// of the inputs is numbered once, by its bytes; a block maps those numbers with a stamp array).

import ApusStoreCore

struct BlockGather {
    /// A picked row: `row` of `inputs[input]`.
    struct Pick {
        var input: Int32
        var row: Int32
    }

    /// The block of `picks` (in order), with the columns `request` asks for.
    static func build(day: Int32, request: ScanRequest, inputs: [EventBlock], picks: [Pick]) -> EventBlock {
        var gather = BlockGather(day: day, request: request, inputs: inputs, picks: picks)
        return gather.block(0..<picks.count)
    }

    /// The picks cut into blocks of at most `rowsMax` rows.
    static func blocks(day: Int32, request: ScanRequest, inputs: [EventBlock], picks: [Pick], rowsMax: Int) -> [EventBlock] {
        var gather = BlockGather(day: day, request: request, inputs: inputs, picks: picks)
        return stride(from: 0, to: picks.count, by: rowsMax).map { gather.block($0..<min(picks.count, $0 + rowsMax)) }
    }

    private let day: Int32
    private let request: ScanRequest
    private let inputs: [EventBlock]
    /// Per pick, its row in the inputs laid end to end.
    private let at: [Int]
    private let rowBase: [Int]
    private let total: Int
    private let uids: [UInt32], timesMs: [Int64], seqs: [UInt64]
    private let names: [String], nameIds: [UInt32]
    private let insertIds: TextLayout?
    private let keys: [String]
    private var properties: [PropertyLayout]
    private let shapes: [[UInt32]], shapeOfRow: [UInt32]
    /// Blocks made so far (the stamp of string-dictionary maps).
    private var blocksMade: Int32 = 0

    private init(day: Int32, request: ScanRequest, inputs: [EventBlock], picks: [Pick]) {
        self.day = day
        self.request = request
        self.inputs = inputs
        var rowBase: [Int] = []
        var total = 0
        for b in inputs {
            rowBase.append(total)
            total += b.count
        }
        self.rowBase = rowBase
        self.total = total
        at = picks.map { rowBase[Int($0.input)] + Int($0.row) }

        func laid<T>(_ column: (EventBlock) -> [T]) -> [T] {
            var all: [T] = []
            all.reserveCapacity(total)
            for b in inputs { all += column(b) }
            return all
        }
        uids = laid(\.uids)
        timesMs = laid(\.timesMs)
        seqs = request.seqs ? laid(\.seqs) : []
        var names: [String] = []
        var nameTable = ByteStringTable()
        var nameIds: [UInt32] = []
        nameIds.reserveCapacity(total)
        for b in inputs {
            let map = b.names.map { s in
                let (id, inserted) = nameTable.id(of: s)
                if inserted { names.append(s) }
                return id
            }
            nameIds += b.nameIds.map { map[Int($0)] }
        }
        self.names = names
        self.nameIds = nameIds
        insertIds = request.insertIds ? TextLayout(inputs.map(\.insertIds)) : nil

        var keys: [String] = []
        switch request.properties {
        case .none:
            break
        case .keys(let wanted):
            var seen = Set<ExactText>()
            keys = wanted.filter { seen.insert(ExactText($0)).inserted }
        default:
            var seen = Set<ExactText>()
            for b in inputs { for k in b.propertyKeys where seen.insert(ExactText(k)).inserted { keys.append(k) } }
        }
        self.keys = keys
        properties = keys.map { PropertyLayout(key: $0, inputs: inputs, rowBase: rowBase, total: total) }

        var shapes: [[UInt32]] = []
        var shapeOfRow: [UInt32] = []
        if request.keyOrder && request.properties != .none {
            let keyIndex = Dictionary(keys.enumerated().map { (ExactText($1), $0) }, uniquingKeysWith: { a, _ in a })
            var shapeIndex: [[UInt32]: UInt32] = [:]
            shapeOfRow.reserveCapacity(total)
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
                    shapeOfRow += repeatElement(shapeId(b.propertyKeys.compactMap { keyIndex[ExactText($0)].map(UInt32.init) }), count: b.count)
                    continue
                }
                let map = order.shapes.map { shape in shapeId(shape.compactMap { keyIndex[ExactText(b.propertyKeys[Int($0)])].map(UInt32.init) }) }
                shapeOfRow += order.shapeOfRow.map { map[Int($0)] }
            }
            if shapes.isEmpty { shapes = [[]] }
        }
        self.shapes = shapes
        self.shapeOfRow = shapeOfRow
    }

    /// The block of picks `range`.
    private mutating func block(_ range: Range<Int>) -> EventBlock {
        blocksMade += 1
        let at = self.at[range]
        let n = at.count
        // Names the block uses, renumbered densely in order of first use.
        var nameMap = [UInt32](repeating: UInt32.max, count: names.count)
        var blockNames: [String] = []
        let blockNameIds = at.map { g -> UInt32 in
            let id = Int(nameIds[g])
            if nameMap[id] == UInt32.max {
                nameMap[id] = UInt32(blockNames.count)
                blockNames.append(names[id])
            }
            return nameMap[id]
        }
        var block = EventBlock(day: day, count: n, uids: at.map { uids[$0] }, timesMs: at.map { timesMs[$0] },
                               nameIds: blockNameIds, names: blockNames)
        if request.seqs { block.seqs = at.map { seqs[$0] } }
        if let insertIds { block.insertIds = insertIds.picking(at) }
        guard request.properties != .none else { return block }
        block.propertyKeys = keys
        block.properties = properties.indices.map { properties[$0].block(at, stamp: blocksMade) }
        if request.keyOrder {
            block.keyOrder = EventBlock.KeyOrder(shapes: shapes, shapeOfRow: at.map { shapeOfRow[$0] })
        }
        return block
    }
}

/// Byte strings of every input laid end to end.
private struct TextLayout {
    var arena: [UInt8] = []
    var starts: [Int] = [], ends: [Int] = []

    init(_ columns: [StringColumn]) {
        for c in columns {
            let base = arena.count
            arena += c.arena
            for r in 0..<c.count {
                let range = c.range(of: r)
                starts.append(base + range.lowerBound)
                ends.append(base + range.upperBound)
            }
        }
    }

    func picking(_ at: ArraySlice<Int>) -> StringColumn {
        var out = StringColumn()
        var bytes = 0
        for g in at { bytes += ends[g] - starts[g] }
        out.reserve(rows: at.count, bytes: bytes)
        arena.withUnsafeBufferPointer { a in
            for g in at { out.append(bytes: UnsafeBufferPointer(rebasing: a[starts[g]..<ends[g]])) }
        }
        return out
    }
}

/// One key's typed columns of every input laid end to end.
private struct PropertyLayout {
    var strings: (present: Bitmap, ids: [UInt32], dictionary: [String])?
    /// Per entry of `strings.dictionary`: the last block that used it, and its number there.
    var stamps: [Int32] = [], local: [UInt32] = []
    var numbers: (present: Bitmap, values: [Double])?
    var booleans: (present: Bitmap, values: Bitmap)?
    var nulls: Bitmap?
    var lists: (present: Bitmap, text: TextLayout)?
    var objects: (present: Bitmap, text: TextLayout)?

    init(key: String, inputs: [EventBlock], rowBase: [Int], total: Int) {
        let sources = inputs.enumerated().compactMap { i, b in b.property(key).map { (i, $0) } }
        guard !sources.isEmpty else { return }

        func presence(_ pick: (PropertyBlock) -> Bitmap?) -> Bitmap? {
            var all = Bitmap(count: total)
            var any = false
            for (i, p) in sources {
                guard let bits = pick(p) else { continue }
                any = true
                all.setRows(of: bits, at: rowBase[i])
            }
            return any ? all : nil
        }

        if let present = presence({ $0.strings?.present }) {
            var dictionary: [String] = []
            var index = ByteStringTable()
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
                                    let (known, inserted) = index.id(of: str)
                                    map[id] = known
                                    if inserted { dictionary.append(str) }
                                }
                                all[base + r] = map[id]
                            }
                        }
                    }
                }
            }
            strings = (present, all, dictionary)
            stamps = [Int32](repeating: 0, count: dictionary.count)
            local = [UInt32](repeating: 0, count: dictionary.count)
        }
        if let present = presence({ $0.numbers?.present }) {
            var all = [Double](repeating: 0, count: total)
            all.withUnsafeMutableBufferPointer { all in
                for (i, p) in sources {
                    guard let v = p.numbers else { continue }
                    let base = rowBase[i]
                    v.values.withUnsafeBufferPointer { values in v.present.forEachSet { all[base + $0] = values[$0] } }
                }
            }
            numbers = (present, all)
        }
        if let present = presence({ $0.booleans?.present }) {
            var all = Bitmap(count: total)
            for (i, p) in sources { if let v = p.booleans { all.setRows(of: v.values, at: rowBase[i]) } }
            booleans = (present, all)
        }
        nulls = presence { $0.nulls }
        if let present = presence({ $0.lists?.present }) {
            lists = (present, TextLayout(inputs.map { b in b.property(key)?.lists?.text ?? StringColumn(empty: b.count) }))
        }
        if let present = presence({ $0.objects?.present }) {
            objects = (present, TextLayout(inputs.map { b in b.property(key)?.objects?.text ?? StringColumn(empty: b.count) }))
        }
    }

    /// The key over picks `at`; sub-columns no picked row holds are left out.
    mutating func block(_ at: ArraySlice<Int>, stamp: Int32) -> PropertyBlock {
        let n = at.count
        func picked(_ all: Bitmap?) -> Bitmap? {
            guard let all else { return nil }
            let bits = at.withUnsafeBufferPointer { at in Bitmap(count: n) { all[at[$0]] } }
            return bits.isEmpty ? nil : bits
        }
        var out = PropertyBlock()
        if let s = strings, let present = picked(s.present) {
            var dictionary: [String] = []
            var ids = [UInt32](repeating: 0, count: n)
            ids.withUnsafeMutableBufferPointer { ids in
                stamps.withUnsafeMutableBufferPointer { stamps in
                    local.withUnsafeMutableBufferPointer { local in
                        s.ids.withUnsafeBufferPointer { all in
                            at.withUnsafeBufferPointer { at in
                                present.forEachSet { j in
                                    let g = Int(all[at[j]])
                                    if stamps[g] != stamp {
                                        stamps[g] = stamp
                                        local[g] = UInt32(dictionary.count)
                                        dictionary.append(s.dictionary[g])
                                    }
                                    ids[j] = local[g]
                                }
                            }
                        }
                    }
                }
            }
            out.strings = StringValues(present: present, ids: ids, dictionary: dictionary)
        }
        if let v = numbers, let present = picked(v.present) {
            var values = [Double](repeating: 0, count: n)
            values.withUnsafeMutableBufferPointer { values in
                v.values.withUnsafeBufferPointer { all in
                    at.withUnsafeBufferPointer { at in present.forEachSet { values[$0] = all[at[$0]] } }
                }
            }
            out.numbers = NumberValues(present: present, values: values)
        }
        if let v = booleans, let present = picked(v.present) {
            let values = at.withUnsafeBufferPointer { at in Bitmap(count: n) { present[$0] && v.values[at[$0]] } }
            out.booleans = BooleanValues(present: present, values: values)
        }
        out.nulls = picked(nulls)
        if let v = lists, let present = picked(v.present) {
            out.lists = JSONTextValues(present: present, text: v.text.picking(at))
        }
        if let v = objects, let present = picked(v.present) {
            out.objects = JSONTextValues(present: present, text: v.text.picking(at))
        }
        return out
    }
}
