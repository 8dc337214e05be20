// Keeping some rows of a block (a scan whose time, user or event filter cuts into it): every
// column is compacted to the kept rows, in order.

extension Bitmap {
    /// The bits of `rows`, in order, as a bitmap over `rows.count` rows.
    package func selecting(_ rows: [Int]) -> Bitmap {
        var out = Bitmap(count: rows.count)
        for (i, r) in rows.enumerated() where self[r] { out[i] = true }
        return out
    }
}

extension StringColumn {
    package func selecting(_ rows: [Int]) -> StringColumn {
        var out = StringColumn()
        out.reserve(rows: rows.count, bytes: 0)
        for r in rows { out.append(bytes: arena[range(of: r)]) }
        return out
    }
}

extension PropertyBlock {
    package func selecting(_ rows: [Int]) -> PropertyBlock {
        PropertyBlock(
            strings: strings.map { s in StringValues(present: s.present.selecting(rows), ids: rows.map { s.ids[$0] }, dictionary: s.dictionary, perRow: s.perRow) },
            numbers: numbers.map { n in NumberValues(present: n.present.selecting(rows), values: rows.map { n.values[$0] }) },
            booleans: booleans.map { BooleanValues(present: $0.present.selecting(rows), values: $0.values.selecting(rows)) },
            nulls: nulls.map { $0.selecting(rows) },
            lists: lists.map { JSONTextValues(present: $0.present.selecting(rows), text: $0.text.selecting(rows)) },
            objects: objects.map { JSONTextValues(present: $0.present.selecting(rows), text: $0.text.selecting(rows)) })
    }
}

extension EventBlock {
    /// The block of only `rows` (ascending row indexes).
    package func selecting(_ rows: [Int]) -> EventBlock {
        EventBlock(day: day, count: rows.count, uids: uids.isEmpty ? [] : rows.map { uids[$0] },
                   timesMs: timesMs.isEmpty ? [] : rows.map { timesMs[$0] },
                   nameIds: rows.map { nameIds[$0] }, names: names,
                   seqs: seqs.isEmpty ? [] : rows.map { seqs[$0] },
                   insertIds: insertIds.count == 0 ? insertIds : insertIds.selecting(rows),
                   propertyKeys: propertyKeys, properties: properties.map { $0.selecting(rows) },
                   keyOrder: keyOrder.map { k in KeyOrder(shapes: k.shapes, shapeOfRow: rows.map { k.shapeOfRow[$0] }) })
    }
}

extension EventBlock {
    /// Rows `range` as a block of their own; each string column keeps only the dictionary
    /// entries those rows use (a large block cut into `rowsMax` pieces for writing).
    package func slice(_ range: Range<Int>) -> EventBlock {
        if range == 0..<count { return self }
        var b = selecting(Array(range))
        for k in b.properties.indices {
            guard let s = b.properties[k].strings else { continue }
            var remap: [UInt32: UInt32] = [:]
            var dictionary: [String] = []
            var ids = s.ids
            s.present.forEachSet { r in
                let old = s.ids[r]
                if let id = remap[old] {
                    ids[r] = id
                } else {
                    let id = UInt32(dictionary.count)
                    remap[old] = id
                    dictionary.append(s.dictionary[Int(old)])
                    ids[r] = id
                }
            }
            b.properties[k].strings = StringValues(present: s.present, ids: ids, dictionary: dictionary, perRow: s.perRow)
        }
        return b
    }
}
