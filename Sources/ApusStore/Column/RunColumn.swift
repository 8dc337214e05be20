// The distinct-id column. Rows are sorted by distinct id bytes, so each id occupies one run of
// consecutive rows: the column is the sorted dictionary with each entry's run length. Bytes:
// varint entry count, then per entry varint length + UTF-8 + varint run length. Entries are
// strictly increasing by UTF-8 bytes and every run is at least one row; the decoder checks both,
// so a row's id index is also its user's rank in the part's sort order.

/// Distinct ids stored as sorted, run-length encoded entries.
package struct RunColumn: Sendable, Equatable {
    /// The distinct ids, strictly increasing by UTF-8 bytes.
    package var dictionary: [String]
    /// `rowStarts[i]..<rowStarts[i + 1]` are the rows of `dictionary[i]`; the last element is
    /// the row count.
    package var rowStarts: [Int]

    package init(dictionary: [String], rowStarts: [Int]) {
        self.dictionary = dictionary
        self.rowStarts = rowStarts
    }

    /// The number of rows.
    package var rowCount: Int { rowStarts.last ?? 0 }

    /// The rows of entry `i`.
    package func rows(of i: Int) -> Range<Int> { rowStarts[i]..<rowStarts[i + 1] }

    /// The entry index of every row (expanded, for vectorised scans).
    package func idPerRow() -> [UInt32] {
        var ids = [UInt32]()
        ids.reserveCapacity(rowCount)
        for i in 0..<dictionary.count {
            ids.append(contentsOf: repeatElement(UInt32(i), count: rowStarts[i + 1] - rowStarts[i]))
        }
        return ids
    }

    /// The entry holding `row` (binary search over the runs).
    package func entry(ofRow row: Int) -> Int {
        var lo = 0, hi = dictionary.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if rowStarts[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Writes the entries with their run lengths.
    package func encode(into w: inout BinaryWriter) {
        w.varint(UInt64(dictionary.count))
        for (i, s) in dictionary.enumerated() {
            w.string(s)
            w.varint(UInt64(rowStarts[i + 1] - rowStarts[i]))
        }
    }

    /// Reads the column and checks that runs are non-empty, cover exactly `rowCount` rows and
    /// that entries strictly increase.
    package static func decode(_ r: inout BinaryReader, rowCount: Int) throws(DecodeFailure) -> RunColumn {
        let n = try r.length()
        var dictionary: [String] = []
        var starts: [Int] = [0]
        dictionary.reserveCapacity(n)
        starts.reserveCapacity(n + 1)
        var total = 0
        for i in 0..<n {
            let at = r.offset
            let s = try r.string()
            if i > 0, utf8Compare(dictionary[i - 1], s) >= 0 {
                throw DecodeFailure(offset: at, reason: "distinct id entry \(i) is not above the previous one")
            }
            let run = try r.varint()
            guard run > 0, run <= UInt64(rowCount - total) else {
                throw DecodeFailure(offset: at, reason: "run of \(run) rows for entry \(i) does not fit \(rowCount) rows")
            }
            total += Int(run)
            dictionary.append(s)
            starts.append(total)
        }
        guard total == rowCount else {
            throw DecodeFailure(offset: r.offset, reason: "runs cover \(total) rows, expected \(rowCount)")
        }
        return RunColumn(dictionary: dictionary, rowStarts: starts)
    }
}
