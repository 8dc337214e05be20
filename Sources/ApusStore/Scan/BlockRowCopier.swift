// Builds a block from rows of other blocks, column by column: how a day's parts and memtable
// rows merge into one sorted stream, and how a merge writes one part from several. Maps of
// names, keys and dictionary ids are made once per source block, not per row.

import ApusModel
import ApusStoreCore

/// Accumulates rows copied from source blocks into one output block.
struct BlockRowCopier {
    let day: Int32
    let request: ScanRequest
    private var uids: [UInt32] = []
    private var times: [Int64] = []
    private var nameIds: [UInt32] = []
    private var names: [String] = []
    private var nameIndex: [String: UInt32] = [:]
    private var seqs: [UInt64] = []
    private var insertIds = StringColumn()
    private var keys: [String] = []
    private var keyIndex: [String: Int] = [:]
    private var columns: [PropertyBlockBuilder] = []
    private var shapes: [[UInt32]] = []
    private var shapeIndex: [[UInt32]: UInt32] = [:]
    private var shapeOfRow: [UInt32] = []

    /// Per source: its current block's maps into this output.
    private var maps: [SourceMaps?]

    struct SourceMaps {
        var blockToken: Int
        var names: [UInt32]
        /// Source key index → output key index (-1: not delivered).
        var keys: [Int]
        /// Per source key: source dictionary id → output dictionary id.
        var dictionaries: [[UInt32]?]
        /// Source shape → output shape id.
        var shapes: [UInt32]
    }

    init(day: Int32, request: ScanRequest, sources: Int) {
        self.day = day
        self.request = request
        maps = Array(repeating: nil, count: sources)
        if case .keys(let wanted) = request.properties {
            for key in wanted where keyIndex[key] == nil {
                keyIndex[key] = keys.count
                keys.append(key)
                columns.append(PropertyBlockBuilder())
            }
        }
    }

    var count: Int { uids.count }
    var isFull: Bool { uids.count >= EventBlock.rowsMax }

    /// Copies row `row` of `block`, the current block of source `source` (`token` changes
    /// whenever that source moves to another block).
    mutating func append(_ block: EventBlock, row: Int, source: Int, token: Int) {
        if maps[source]?.blockToken != token { maps[source] = makeMaps(block, token: token) }
        let out = uids.count
        uids.append(block.uids[row])
        times.append(block.timesMs[row])
        nameIds.append(maps[source]!.names[Int(block.nameIds[row])])
        if request.seqs { seqs.append(block.seqs[row]) }
        if request.insertIds { insertIds.append(bytes: block.insertIds.arena[block.insertIds.range(of: row)]) }
        guard request.properties != .none else { return }
        let m = maps[source]!
        for (k, p) in block.properties.enumerated() where m.keys[k] >= 0 {
            columns[m.keys[k]].copy(p, row: row, to: out, dictionaryMap: m.dictionaries[k])
        }
        if request.keyOrder {
            if let order = block.keyOrder {
                shapeOfRow.append(m.shapes[Int(order.shapeOfRow[row])])
            } else {
                shapeOfRow.append(shapeId(for: []))
            }
        }
    }

    private mutating func makeMaps(_ block: EventBlock, token: Int) -> SourceMaps {
        let names = block.names.map { name -> UInt32 in
            if let id = nameIndex[name] { return id }
            let id = UInt32(self.names.count)
            nameIndex[name] = id
            self.names.append(name)
            return id
        }
        var keyMap: [Int] = []
        for key in block.propertyKeys {
            if let i = keyIndex[key] {
                keyMap.append(i)
            } else if request.properties == .all {
                keyIndex[key] = keys.count
                keyMap.append(keys.count)
                keys.append(key)
                columns.append(PropertyBlockBuilder())
            } else {
                keyMap.append(-1)
            }
        }
        var dictionaries: [[UInt32]?] = []
        for (k, p) in block.properties.enumerated() {
            guard keyMap[k] >= 0, let s = p.strings else { dictionaries.append(nil); continue }
            dictionaries.append(columns[keyMap[k]].mapDictionary(s.dictionary))
        }
        var shapeMap: [UInt32] = []
        if request.keyOrder, let order = block.keyOrder {
            for shape in order.shapes {
                shapeMap.append(shapeId(for: shape.compactMap { k in keyMap[Int(k)] >= 0 ? UInt32(keyMap[Int(k)]) : nil }))
            }
        }
        return SourceMaps(blockToken: token, names: names, keys: keyMap, dictionaries: dictionaries, shapes: shapeMap)
    }

    private mutating func shapeId(for shape: [UInt32]) -> UInt32 {
        if let id = shapeIndex[shape] { return id }
        let id = UInt32(shapes.count)
        shapeIndex[shape] = id
        shapes.append(shape)
        return id
    }

    /// The block of the rows copied so far.
    func build() -> EventBlock {
        let n = uids.count
        return EventBlock(day: day, count: n, uids: uids, timesMs: times, nameIds: nameIds, names: names,
                          seqs: seqs, insertIds: insertIds, propertyKeys: keys,
                          properties: columns.map { $0.build(rowCount: n) },
                          keyOrder: request.keyOrder && request.properties != .none
                              ? EventBlock.KeyOrder(shapes: shapes, shapeOfRow: shapeOfRow) : nil)
    }
}
