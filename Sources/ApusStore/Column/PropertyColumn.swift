// One sparse property column: which rows have the key, and the typed values. Bytes:
//   u8 rows form: 0 = dense (exactly one value per row, no row list follows),
//                 1 = listed (row indices follow as non-decreasing varint gaps, DeltaCoding);
//   varint value count;
//   [row gaps, when listed];
//   the values (PropertyValues: u8 type tag, then the encoding of that type).
// A row appears more than once only if its event repeated the key.

import ApusModel

/// The rows holding one property key, and their values.
package struct PropertyColumn: Sendable, Equatable {
    /// The row of each value, non-decreasing.
    package var rows: [UInt32]
    /// The values, in the same order as `rows`.
    package var values: PropertyValues

    package init(rows: [UInt32], values: PropertyValues) {
        self.rows = rows
        self.values = values
    }

    /// The index of the first value of `row`, or nil when the row lacks the key.
    package func firstValueIndex(ofRow row: Int) -> Int? {
        let target = UInt32(truncatingIfNeeded: row)
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.count && rows[lo] == target ? lo : nil
    }

    /// Reads a column of a part with `rowCount` rows.
    package static func decode(_ r: inout BinaryReader, rowCount: Int) throws(DecodeFailure) -> PropertyColumn {
        let at = r.offset
        let form = try r.u8()
        let count = Int(clamping: try r.varint())
        let rows: [UInt32]
        switch form {
        case 0:
            guard count == rowCount else {
                throw DecodeFailure(offset: at, reason: "dense column has \(count) values for \(rowCount) rows")
            }
            rows = (0..<UInt32(rowCount)).map { $0 }
        case 1:
            rows = try DeltaCoding.decodeRows(&r, count: count, rowCount: rowCount)
        default:
            throw DecodeFailure(offset: at, reason: "unknown rows form \(form)")
        }
        let values = try PropertyValues.decode(&r, count: count)
        return PropertyColumn(rows: rows, values: values)
    }
}
