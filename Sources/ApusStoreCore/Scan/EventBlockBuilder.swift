// Builds EventBlocks row by row, from events or straight from event records (EventCodec's
// layout: no `Event` or `JSONValue` per row). Names, keys and string values are numbered by
// their bytes (ByteStringTable), so a value seen before costs no `String`. Rows must be
// appended in the order the block will hold them.

import ApusModel

/// Accumulates up to `EventBlock.rowsMax` rows of one day into a block shaped by a request.
package struct EventBlockBuilder {
    package let day: Int32
    private let request: ScanRequest
    private var uids: [UInt32] = []
    private var timesMs: [Int64] = []
    private var nameIds: [UInt32] = []
    private var names: [String] = []
    private var nameTable = ByteStringTable()
    private var seqs: [UInt64] = []
    private var insertIds = StringColumn()
    private var keys: [String] = []
    private var keyIndex: [ExactText: Int] = [:]
    private var columns: [PropertyBlockBuilder] = []
    /// Keys by their bytes, and the column of each (-1: the request does not keep it).
    private var keyTable = ByteStringTable()
    private var columnOfKey: [Int] = []
    private var shapes: [[UInt32]] = []
    private var shapeIndex: [[UInt32]: UInt32] = [:]
    private var shapeOfRow: [UInt32] = []
    /// Per event name (by name id), the keys (table ids) of the last row of that name and that
    /// row's shape id (`UInt32.max` before the first): rows of one event mostly repeat them,
    /// even when rows of other events come between (as in a block sorted by user).
    private var lastKeysOfName: [[Int]] = []
    private var lastShapeOfName: [UInt32] = []
    /// Per event name, up to `recentMax` other key lists seen lately and their shape ids: rows
    /// of one event with optional properties take a few shapes by turns, and finding the
    /// row's keys among these is cheaper than hashing its shape.
    private var recentKeysOfName: [[[Int]]] = []
    private var recentShapesOfName: [[UInt32]] = []
    private var recentReplaced = 0
    private static let recentMax = 8
    /// The row being built: its name id, how many keys it has, whether they are so far those
    /// of the last row of its name (then `rowKeys` is not kept), and its keys once they differ.
    private var rowName = 0
    private var rowKeyCount = 0
    private var rowRepeats = true
    private var rowKeys: [Int] = []

    /// Whether string columns whose values prove mostly distinct stop numbering them (see
    /// `StringValues.perRow`).
    private let plainWhenDistinct: Bool

    /// - Parameter plainWhenDistinct: the block goes only to a part writer, so a key whose
    ///   strings are mostly distinct may keep them per row instead of numbering them.
    package init(day: Int32, request: ScanRequest, plainWhenDistinct: Bool = false) {
        self.day = day
        self.request = request
        self.plainWhenDistinct = plainWhenDistinct
        if case .keys(let wanted) = request.properties {
            for key in wanted where keyIndex[ExactText(key)] == nil {
                keyIndex[ExactText(key)] = keys.count
                keys.append(key)
                columns.append(PropertyBlockBuilder(plainWhenDistinct: plainWhenDistinct))
            }
        }
    }

    package var count: Int { uids.count }
    package var isFull: Bool { uids.count >= EventBlock.rowsMax }

    /// Appends one row.
    package mutating func append(uid: UInt32, seq: UInt64, event e: Event) {
        var name = e.name, insertId = e.insertId
        name.withUTF8 { name in insertId.withUTF8 { beginRow(uid: uid, seq: seq, timeMs: e.timeMs, name: name, insertId: $0) } }
        guard request.properties != .none else { return }
        for member in e.properties {
            var key = member.key
            if let c = key.withUTF8({ column(forKey: $0) }) { columns[c].set(row: uids.count - 1, member.value) }
        }
        endRow()
    }

    /// Appends one row from an event record (EventCodec's layout).
    package mutating func append(uid: UInt32, seq: UInt64, record: UnsafeRawBufferPointer) throws(DecodeFailure) {
        var r = BinaryReader(record)
        let time = try r.zigzag()
        let name = try r.bytes()
        _ = try r.bytes() // distinct id: the uid stands for it
        let insertId = try r.bytes()
        beginRow(uid: uid, seq: seq, timeMs: time, name: name, insertId: insertId)
        guard request.properties != .none else { return }
        let n = try r.length()
        let row = uids.count - 1
        for _ in 0..<n {
            let key = try r.bytes()
            if let c = column(forKey: key) {
                try columns[c].set(row: row, encoded: &r)
            } else {
                try ValueCodec.skip(&r)
            }
        }
        endRow()
    }

    private mutating func beginRow(uid: UInt32, seq: UInt64, timeMs: Int64, name: UnsafeBufferPointer<UInt8>, insertId: UnsafeBufferPointer<UInt8>) {
        uids.append(uid)
        timesMs.append(timeMs)
        let (id, inserted) = nameTable.id(of: name)
        if inserted {
            names.append(String(decoding: name, as: UTF8.self))
            lastKeysOfName.append([])
            lastShapeOfName.append(.max)
            recentKeysOfName.append([])
            recentShapesOfName.append([])
        }
        nameIds.append(id)
        rowName = Int(id)
        if request.seqs { seqs.append(seq) }
        if request.insertIds { insertIds.append(bytes: insertId) }
        rowKeyCount = 0
        rowRepeats = true
    }

    /// The column of the row's next key, or nil when the request does not keep it.
    @inline(__always)
    private mutating func column(forKey key: UnsafeBufferPointer<UInt8>) -> Int? {
        let position = rowKeyCount
        rowKeyCount += 1
        var keyId = -1
        // Rows of one event mostly repeat the keys of its previous row in the same order:
        // comparing bytes with that row's key is cheaper than a lookup.
        if rowRepeats {
            if position < lastKeysOfName[rowName].count && keyTable.equals(lastKeysOfName[rowName][position], key) {
                keyId = lastKeysOfName[rowName][position]
            } else {
                rowRepeats = false
                rowKeys.removeAll(keepingCapacity: true)
                rowKeys.append(contentsOf: lastKeysOfName[rowName][..<position])
            }
        }
        if keyId < 0 {
            let (id, inserted) = keyTable.id(of: key)
            keyId = Int(id)
            if inserted { columnOfKey.append(newColumn(String(decoding: key, as: UTF8.self))) }
            rowKeys.append(keyId)
        }
        let c = columnOfKey[keyId]
        return c >= 0 ? c : nil
    }

    /// The column for a key seen for the first time in this block, or -1.
    private mutating func newColumn(_ key: String) -> Int {
        if let i = keyIndex[ExactText(key)] { return i }
        guard request.properties == .all else { return -1 }
        keyIndex[ExactText(key)] = keys.count
        keys.append(key)
        columns.append(PropertyBlockBuilder(plainWhenDistinct: plainWhenDistinct))
        return keys.count - 1
    }

    private mutating func endRow() {
        if rowRepeats && rowKeyCount == lastKeysOfName[rowName].count && lastShapeOfName[rowName] != .max {
            if request.keyOrder { shapeOfRow.append(lastShapeOfName[rowName]) }
            return
        }
        if rowRepeats {
            // A prefix of the last row's keys.
            rowKeys.removeAll(keepingCapacity: true)
            rowKeys.append(contentsOf: lastKeysOfName[rowName][..<rowKeyCount])
        }
        let name = rowName
        if let r = recentKeysOfName[name].firstIndex(of: rowKeys) {
            // A recent row of this name had these keys: its entry and the last row's trade places.
            let id = recentShapesOfName[name][r]
            swap(&recentKeysOfName[name][r], &lastKeysOfName[name])
            recentShapesOfName[name][r] = lastShapeOfName[name]
            lastShapeOfName[name] = id
            if request.keyOrder { shapeOfRow.append(id) }
            return
        }
        swap(&rowKeys, &lastKeysOfName[name])
        if lastShapeOfName[name] != .max {
            // The previous last row's keys (now in `rowKeys`) join the recent ones.
            if recentKeysOfName[name].count < Self.recentMax {
                recentKeysOfName[name].append(rowKeys)
                recentShapesOfName[name].append(lastShapeOfName[name])
            } else {
                recentReplaced = (recentReplaced + 1) % Self.recentMax
                swap(&rowKeys, &recentKeysOfName[name][recentReplaced])
                recentShapesOfName[name][recentReplaced] = lastShapeOfName[name]
            }
        }
        var shape: [UInt32] = []
        if request.keyOrder {
            for k in lastKeysOfName[name] where columnOfKey[k] >= 0 { shape.append(UInt32(columnOfKey[k])) }
        }
        let id: UInt32
        if let known = shapeIndex[shape] {
            id = known
        } else {
            id = UInt32(shapes.count)
            shapeIndex[shape] = id
            shapes.append(shape)
        }
        lastShapeOfName[name] = id
        if request.keyOrder { shapeOfRow.append(id) }
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
    /// Per row holding a string, its row (high 32 bits) and dictionary id (low): one append
    /// per value rather than two.
    var strings: [UInt64] = [], dictionary: [String] = [], dictionaryTable = ByteStringTable()
    var numbers: [(row: Int, value: Double)] = []
    var booleanRows: [Int] = [], booleans: [Bool] = []
    var nullRows: [Int] = []
    var listRows: [Int] = [], lists = StringColumn()
    var objectRows: [Int] = [], objects = StringColumn()
    /// May the strings go per row once they prove mostly distinct, and have they.
    let plainWhenDistinct: Bool
    var perRow = false

    /// Strings are numbered for the first `distinctSample` rows that hold one; if more than
    /// three in four were distinct by then (a session or request id), numbering the rest
    /// would cost a hash-table miss per row for nothing: the part stores such keys as text.
    package static let distinctSample = 2048

    package init(plainWhenDistinct: Bool = false) {
        self.plainWhenDistinct = plainWhenDistinct
    }

    /// Adds `row`'s string: numbered by its bytes, or appended as it is once `perRow`.
    @inline(__always)
    mutating func setString(row: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        if perRow {
            strings.append(UInt64(row) << 32 | UInt64(dictionary.count))
            dictionary.append(String(decoding: bytes, as: UTF8.self))
            return
        }
        let (id, inserted) = dictionaryTable.id(of: bytes)
        if inserted { dictionary.append(String(decoding: bytes, as: UTF8.self)) }
        strings.append(UInt64(row) << 32 | UInt64(id))
        if plainWhenDistinct && strings.count == Self.distinctSample && dictionary.count * 4 > Self.distinctSample * 3 {
            perRow = true
            // Every row so far gets its own entry, as the rest will.
            let numbered = dictionary
            dictionary.removeAll(keepingCapacity: true)
            for (i, entry) in strings.enumerated() {
                strings[i] = entry & 0xFFFF_FFFF_0000_0000 | UInt64(i)
                dictionary.append(numbered[Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)])
            }
            dictionaryTable = ByteStringTable()
        }
    }

    mutating func set(row: Int, _ value: JSONValue) {
        switch value {
        case .string(let s):
            var text = s
            text.withUTF8 { setString(row: row, $0) }
        case .number(let d):
            numbers.append((row, d))
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

    /// Sets `row` from a value in ValueCodec's layout at the reader's position.
    mutating func set(row: Int, encoded r: inout BinaryReader) throws(DecodeFailure) {
        let at = r.offset
        guard let tag = ValueTag(rawValue: try r.u8()) else { throw DecodeFailure(offset: at, reason: "unknown value tag") }
        switch tag {
        case .string:
            setString(row: row, try r.bytes())
        case .integer:
            numbers.append((row, Double(try r.zigzag())))
        case .double:
            numbers.append((row, try r.f64()))
        case .true, .false:
            booleanRows.append(row)
            booleans.append(tag == .true)
        case .null:
            nullRows.append(row)
        case .array, .object:
            r.offset = at
            if tag == .array {
                try lists.appendJSON(of: &r)
                listRows.append(row)
            } else {
                try objects.appendJSON(of: &r)
                objectRows.append(row)
            }
        }
    }

    package func build(rowCount n: Int) -> PropertyBlock {
        func presence(_ rows: [Int]) -> Bitmap {
            var b = Bitmap(count: n)
            for r in rows { b[r] = true }
            return b
        }
        var block = PropertyBlock()
        if !strings.isEmpty {
            var ids = [UInt32](repeating: 0, count: n)
            var present = Bitmap(count: n)
            for entry in strings {
                let r = Int(entry >> 32)
                ids[r] = UInt32(truncatingIfNeeded: entry)
                present[r] = true
            }
            block.strings = StringValues(present: present, ids: ids, dictionary: dictionary, perRow: perRow)
        }
        if !numbers.isEmpty {
            var values = [Double](repeating: 0, count: n)
            var present = Bitmap(count: n)
            for (r, v) in numbers {
                values[r] = v
                present[r] = true
            }
            block.numbers = NumberValues(present: present, values: values)
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
