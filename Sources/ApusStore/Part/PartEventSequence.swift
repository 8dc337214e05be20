// The events of a part in stored order, rebuilt row by row from the decoded columns. Iteration
// cannot fail: PartReader.events() decodes and cross-checks everything before returning.

import ApusStoreCore
import ApusModel

/// All events of one part in row order (distinct id, time, seq).
package struct PartEventSequence: Sequence, Sendable {
    let rows: PartRows

    /// Walks the rows, keeping one cursor per property column.
    package struct Iterator: IteratorProtocol {
        let rows: PartRows
        var row = 0
        var distinctEntry = 0
        var cursors: [Int]

        init(_ rows: PartRows) {
            self.rows = rows
            cursors = [Int](repeating: 0, count: rows.columns.count)
        }

        package mutating func next() -> StoredEvent? {
            guard row < rows.count else { return nil }
            while rows.distinctIds.rowStarts[distinctEntry + 1] <= row { distinctEntry += 1 }
            defer { row += 1 }
            return rows.event(at: row, distinctEntry: distinctEntry, next: &cursors)
        }
    }

    package func makeIterator() -> Iterator { Iterator(rows) }

    package var underestimatedCount: Int { rows.count }
}

extension PartReader {
    /// Every column decoded and cross-checked (cached after the first call).
    package func rows() throws(PartError) -> PartRows {
        try allRows.get { () throws(PartError) in try PartRows(self) }
    }

    /// The part's events in stored order. Decodes every column first; iteration never fails.
    package func events() throws(PartError) -> PartEventSequence {
        PartEventSequence(rows: try rows())
    }

    /// The event at `row` (0-based, in stored order).
    package func event(at row: Int) throws(PartError) -> StoredEvent {
        guard row >= 0, row < rowCount else {
            throw PartError(.invalidInput, file: url.path, "row \(row) is outside 0..<\(rowCount)")
        }
        return try rows().event(at: row)
    }
}
