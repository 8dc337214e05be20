// The order of each row's property keys, so an exported event lists its properties as they
// were sent. Rows of the same event type usually share one key order ("shape"), so the column is
// a dictionary of shapes plus one bit-packed shape id per row. Bytes: varint shape count; each
// shape as varint key count + that many varint column ids (indices into the part's key list);
// then the per-row shape ids (BitPacking). A shape lists a column id twice only if the event
// repeated the key. The shapes also say which columns a row has; PartReader checks that they
// agree with every column's row list.

/// Per-row key order, as a dictionary of shapes and one shape id per row.
package struct KeyOrderColumn: Sendable, Equatable {
    /// Distinct key orders; each is a list of column ids.
    package var shapes: [[UInt32]]
    /// For each row, its index in `shapes`.
    package var shapeIds: [UInt32]

    package init(shapes: [[UInt32]], shapeIds: [UInt32]) {
        self.shapes = shapes
        self.shapeIds = shapeIds
    }

    /// The column ids of `row`, in the event's order.
    @inline(__always)
    package func keys(ofRow row: Int) -> [UInt32] { shapes[Int(shapeIds[row])] }

    /// Writes the shapes and the per-row ids.
    package func encode(into w: inout BinaryWriter) {
        w.varint(UInt64(shapes.count))
        for shape in shapes {
            w.varint(UInt64(shape.count))
            for id in shape { w.varint(UInt64(id)) }
        }
        BitPacking.encode(shapeIds, width: BitPacking.width(forMax: UInt32(max(shapes.count, 1) - 1)), into: &w)
    }

    /// Reads `rowCount` rows; column ids are checked against `keyCount`, shape ids against the
    /// number of shapes.
    package static func decode(_ r: inout BinaryReader, rowCount: Int, keyCount: Int) throws(DecodeFailure) -> KeyOrderColumn {
        let n = try r.length()
        var shapes: [[UInt32]] = []
        shapes.reserveCapacity(n)
        for _ in 0..<n {
            let k = try r.length()
            var shape: [UInt32] = []
            shape.reserveCapacity(k)
            for _ in 0..<k {
                let at = r.offset
                let id = try r.varint()
                guard id < UInt64(keyCount) else {
                    throw DecodeFailure(offset: at, reason: "column id \(id) past the \(keyCount) keys")
                }
                shape.append(UInt32(id))
            }
            shapes.append(shape)
        }
        let ids = try BitPacking.decode(&r, count: rowCount, bound: UInt32(clamping: n))
        return KeyOrderColumn(shapes: shapes, shapeIds: ids)
    }
}

/// Assigns shape ids while a part is written.
package struct KeyOrderBuilder {
    private var index: [[UInt32]: UInt32] = [:]
    private var shapes: [[UInt32]] = []
    private var shapeIds: [UInt32] = []

    package init(rowCapacity: Int) { shapeIds.reserveCapacity(rowCapacity) }

    /// Records the key order of the next row and returns its shape id.
    @discardableResult
    package mutating func append(_ shape: [UInt32]) -> UInt32 {
        if let id = index[shape] {
            shapeIds.append(id)
            return id
        }
        let id = UInt32(shapes.count)
        index[shape] = id
        shapes.append(shape)
        shapeIds.append(id)
        return id
    }

    /// Records that the next row has the shape `id` returned by an earlier `append`.
    @inline(__always)
    package mutating func append(id: UInt32) {
        assert(Int(id) < shapes.count, "unknown shape id")
        shapeIds.append(id)
    }

    /// The finished column.
    package func build() -> KeyOrderColumn { KeyOrderColumn(shapes: shapes, shapeIds: shapeIds) }
}
