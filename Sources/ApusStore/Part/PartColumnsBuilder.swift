// Builds the sections of a part: one pass over the events in row order fills every column, then
// each column is encoded and framed (offset, length, CRC-32C) in the canonical directory order
// that PartLayout checks on read. Events of one name usually carry the same keys in the same
// order, so the last key order seen per event name is tried before any hashing.

import ApusStoreCore
import ApusModel

/// The columns of one part under construction.
struct PartColumnsBuilder {
    private let file: String
    private let times: [Int64]
    private let seqs: [UInt64]
    /// The insert id section, encoded during the pass over the rows.
    private let insertIds: [UInt8]
    private let names: DictionaryColumn
    private let distinct: RunColumn
    private let keys: [String]
    private let keyOrder: KeyOrderBuilder
    private let columns: [PropertyColumnBuilder]
    let minTimeMs: Int64, maxTimeMs: Int64
    let minSeq: UInt64, maxSeq: UInt64

    /// `order` lists the indices of `events` in row order; `ranks` gives each row's index in
    /// `distinctIds` (sorted by bytes).
    init(events: [StoredEvent], order: [Int], distinctIds: [String], ranks: [UInt32], file: String) throws(PartError) {
        self.file = file
        var starts = [Int](repeating: 0, count: distinctIds.count + 1)
        for r in ranks { starts[Int(r) + 1] += 1 }
        for i in 0..<distinctIds.count { starts[i + 1] += starts[i] }
        distinct = RunColumn(dictionary: distinctIds, rowStarts: starts)

        // Locals, not stored properties, in the loop: the optimiser keeps them in place, where
        // element updates through `self` cost a retain per field.
        var times: [Int64] = [], seqs: [UInt64] = []
        times.reserveCapacity(order.count)
        seqs.reserveCapacity(order.count)
        var insertIds = BinaryWriter(capacity: order.count * 17)
        var names = DictionaryColumn.Builder()
        var keys: [String] = []
        var columns: [PropertyColumnBuilder] = []
        var keyOrder = KeyOrderBuilder(rowCapacity: order.count)
        var keyIndex: [UTF8Key: UInt32] = [:]
        var lastShapeByName: [[UInt32]] = []
        var lastShapeIdByName: [UInt32] = []
        var shape: [UInt32] = []
        for (row, i) in order.enumerated() {
            // Field by field: copying the whole event costs a retain per string.
            times.append(events[i].event.timeMs)
            seqs.append(events[i].seq)
            InsertIdColumn.encode(events[i].event.insertId, into: &insertIds)
            let nameId = Int(names.append(events[i].event.name))
            if nameId == lastShapeByName.count {
                lastShapeByName.append([])
                lastShapeIdByName.append(.max)
            }
            shape.removeAll(keepingCapacity: true)
            let guess = lastShapeByName[nameId]
            for (j, member) in events[i].event.properties.enumerated() {
                let id: UInt32
                if j < guess.count, utf8Equal(keys[Int(guess[j])], member.key) {
                    id = guess[j]
                } else if let known = keyIndex[UTF8Key(member.key)] {
                    id = known
                } else {
                    guard keys.count < PartFormat.keysMax else {
                        throw PartError(.limitExceeded, file: file, "more than \(PartFormat.keysMax) distinct property keys in one part; split the batch")
                    }
                    id = UInt32(keys.count)
                    keyIndex[UTF8Key(member.key)] = id
                    keys.append(member.key)
                    columns.append(PropertyColumnBuilder())
                }
                columns[Int(id)].append(row: UInt32(row), member.value)
                shape.append(id)
            }
            if lastShapeIdByName[nameId] != .max, shape == guess {
                keyOrder.append(id: lastShapeIdByName[nameId])
            } else {
                lastShapeByName[nameId] = shape
                lastShapeIdByName[nameId] = keyOrder.append(shape)
            }
        }
        (minTimeMs, maxTimeMs) = (times.min()!, times.max()!)
        (minSeq, maxSeq) = (seqs.min()!, seqs.max()!)
        (self.times, self.seqs, self.insertIds, self.names) = (times, seqs, insertIds.bytes, names.build())
        (self.keys, self.columns, self.keyOrder) = (keys, columns, keyOrder)
    }

    /// Encodes every section after the header, then the footer, and returns the file bytes.
    func frame(_ meta: PartMetadata) throws(PartError) -> [UInt8] {
        var w = BinaryWriter(capacity: times.count * 48 + 4096)
        w.raw(PartLayout.header())
        var sections: [PartSection] = []
        func section(_ kind: PartSectionKind, column: Int = 0, _ body: (inout BinaryWriter) -> Void) throws(PartError) {
            let start = w.count
            body(&w)
            let length = w.count - start
            guard length <= PartFormat.sectionBytesMax else {
                throw PartError(.limitExceeded, file: file, section: kind.label, "section of \(length) bytes exceeds \(PartFormat.sectionBytesMax); split the batch")
            }
            sections.append(PartSection(kind: kind, column: column, offset: start, length: length, decodedLength: length,
                                        crc: CRC32C.checksum(w.bytes, range: start..<w.count)))
        }
        let rowCount = times.count
        try section(.time) { DeltaCoding.encode(times, into: &$0) }
        try section(.seq) { DeltaCoding.encode(seqs, into: &$0) }
        try section(.name) { names.encode(into: &$0) }
        try section(.distinctId) { distinct.encode(into: &$0) }
        try section(.insertId) { $0.raw(insertIds) }
        try section(.keys) { w in
            w.varint(UInt64(keys.count))
            for k in keys { w.string(k) }
        }
        try section(.keyOrder) { keyOrder.build().encode(into: &$0) }
        for (i, c) in columns.enumerated() {
            try section(.property, column: i) { c.encode(rowCount: rowCount, into: &$0) }
        }
        PartLayout.appendFooter(meta, sections: sections, to: &w)
        return w.bytes
    }
}
