// Builds EventBlocks row by row from events: the in-memory reference store and, until parts
// are read block by block, the embedded store's scans. Rows must be appended in the order the
// block will hold them.

import ApusModel

/// Accumulates up to `EventBlock.rowsMax` rows of one day into a block shaped by a request.
package struct EventBlockBuilder {
    package let day: Int32
    private let request: ScanRequest
    private var uids: [UInt32] = []
    private var timesMs: [Int64] = []
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
    /// The previous row's keys, their column indexes (-1: not kept) and its shape.
    private var lastKeys: [String] = []
    private var lastIndexes: [Int] = []
    private var lastShape: [UInt32] = []

    package init(day: Int32, request: ScanRequest) {
        self.day = day
        self.request = request
        if case .keys(let wanted) = request.properties {
            for key in wanted where keyIndex[key] == nil {
                keyIndex[key] = keys.count
                keys.append(key)
                columns.append(PropertyBlockBuilder())
            }
        }
    }

    package var count: Int { uids.count }
    package var isFull: Bool { uids.count >= EventBlock.rowsMax }

    /// Appends one row.
    package mutating func append(uid: UInt32, seq: UInt64, event e: Event) {
        let row = uids.count
        uids.append(uid)
        timesMs.append(e.timeMs)
        if let id = nameIndex[e.name] {
            nameIds.append(id)
        } else {
            let id = UInt32(names.count)
            nameIndex[e.name] = id
            names.append(e.name)
            nameIds.append(id)
        }
        if request.seqs { seqs.append(seq) }
        if request.insertIds { insertIds.append(e.insertId) }
        guard request.properties != .none else { return }
        var shape: [UInt32] = []
        shape.reserveCapacity(e.properties.count)
        var sameShape = !shapeOfRow.isEmpty
        var sameKeys = lastKeys.count == e.properties.count
        for (position, member) in e.properties.enumerated() {
            let index: Int
            // Rows of one event mostly repeat the previous row's keys in the same order: a
            // string comparison is far cheaper than hashing the key.
            if sameKeys && lastKeys[position] == member.key {
                guard lastIndexes[position] >= 0 else { continue }
                index = lastIndexes[position]
            } else {
                sameKeys = false
                if let i = keyIndex[member.key] {
                    index = i
                } else if request.properties == .all {
                    index = keys.count
                    keyIndex[member.key] = index
                    keys.append(member.key)
                    columns.append(PropertyBlockBuilder())
                } else {
                    continue
                }
            }
            columns[index].set(row: row, member.value)
            if request.keyOrder {
                if sameShape && (shape.count >= lastShape.count || lastShape[shape.count] != UInt32(index)) { sameShape = false }
                shape.append(UInt32(index))
            }
        }
        if !sameKeys {
            lastKeys = e.properties.map(\.key)
            lastIndexes = lastKeys.map { keyIndex[$0] ?? -1 }
        }
        if request.keyOrder {
            defer { lastShape = shape }
            if sameShape && shape.count == lastShape.count, let id = shapeOfRow.last {
                shapeOfRow.append(id)
            } else if let id = shapeIndex[shape] {
                shapeOfRow.append(id)
            } else {
                let id = UInt32(shapes.count)
                shapeIndex[shape] = id
                shapes.append(shape)
                shapeOfRow.append(id)
            }
        }
    }

    /// The block of the rows appended so far.
    package func build() -> EventBlock {
        let n = uids.count
        return EventBlock(day: day, count: n, uids: uids, timesMs: timesMs, nameIds: nameIds, names: names,
                          seqs: seqs, insertIds: insertIds, propertyKeys: keys,
                          properties: columns.map { $0.build(rowCount: n) },
                          keyOrder: request.keyOrder && request.properties != .none
                              ? EventBlock.KeyOrder(shapes: shapes, shapeOfRow: shapeOfRow) : nil)
    }
}

/// One key's values while a block is built: sparse (row, value) lists per type.
package struct PropertyBlockBuilder {
    var stringRows: [Int] = [], stringIds: [UInt32] = [], dictionary: [String] = [], dictionaryIndex: [String: UInt32] = [:]
    var numberRows: [Int] = [], numbers: [Double] = []
    var booleanRows: [Int] = [], booleans: [Bool] = []
    var nullRows: [Int] = []
    var listRows: [Int] = [], lists = StringColumn()
    var objectRows: [Int] = [], objects = StringColumn()

    package init() {}

    mutating func set(row: Int, _ value: JSONValue) {
        switch value {
        case .string(let s):
            let id: UInt32
            if let known = dictionaryIndex[s] { id = known } else {
                id = UInt32(dictionary.count)
                dictionaryIndex[s] = id
                dictionary.append(s)
            }
            stringRows.append(row)
            stringIds.append(id)
        case .number(let d):
            numberRows.append(row)
            numbers.append(d)
        case .bool(let b):
            booleanRows.append(row)
            booleans.append(b)
        case .null:
            nullRows.append(row)
        case .array:
            listRows.append(row)
            lists.append(bytes: JSONWriter.bytes(value))
        case .object:
            objectRows.append(row)
            objects.append(bytes: JSONWriter.bytes(value))
        }
    }

    package func build(rowCount n: Int) -> PropertyBlock {
        func presence(_ rows: [Int]) -> Bitmap {
            var b = Bitmap(count: n)
            for r in rows { b[r] = true }
            return b
        }
        var block = PropertyBlock()
        if !stringRows.isEmpty {
            var ids = [UInt32](repeating: 0, count: n)
            for (r, id) in zip(stringRows, stringIds) { ids[r] = id }
            block.strings = StringValues(present: presence(stringRows), ids: ids, dictionary: dictionary)
        }
        if !numberRows.isEmpty {
            var values = [Double](repeating: 0, count: n)
            for (r, v) in zip(numberRows, numbers) { values[r] = v }
            block.numbers = NumberValues(present: presence(numberRows), values: values)
        }
        if !booleanRows.isEmpty {
            var values = Bitmap(count: n)
            for (r, v) in zip(booleanRows, booleans) where v { values[r] = true }
            block.booleans = BooleanValues(present: presence(booleanRows), values: values)
        }
        if !nullRows.isEmpty { block.nulls = presence(nullRows) }
        if !listRows.isEmpty { block.lists = JSONTextValues(present: presence(listRows), text: Self.dense(lists, rows: listRows, n)) }
        if !objectRows.isEmpty { block.objects = JSONTextValues(present: presence(objectRows), text: Self.dense(objects, rows: objectRows, n)) }
        return block
    }

    /// Spreads sparse texts over every row (empty where absent).
    static func dense(_ sparse: StringColumn, rows: [Int], _ n: Int) -> StringColumn {
        var out = StringColumn()
        out.reserve(rows: n, bytes: sparse.arena.count)
        var next = 0
        for r in 0..<n {
            if next < rows.count && rows[next] == r {
                out.append(bytes: sparse.arena[sparse.range(of: next)])
                next += 1
            } else {
                out.append(bytes: EmptyCollection())
            }
        }
        return out
    }
}
