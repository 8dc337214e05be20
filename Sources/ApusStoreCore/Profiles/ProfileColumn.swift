// One profile property across a table's rows. A key most profiles hold is a dense array (a scan
// is a loop over it); a key few hold stays a map from row to value, so a project whose
// profiles each carry a key of their own costs memory per value, not per key × profile. A
// sparse column turns dense once it holds a value for an eighth of the rows it spans.

import ApusModel

/// The values of one key, by row.
package struct ProfileColumn: Sendable, Equatable {
    private var dense: [JSONValue?]?
    private var sparse: [Int32: JSONValue] = [:]
    /// Rows holding a value.
    package private(set) var count = 0

    package init() {}

    /// A column holding `values` (nil: unset) for rows `0..<values.count`, dense or sparse
    /// as `set` would have left it.
    package init(values: [JSONValue?]) {
        let set = values.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        count = set
        if set >= 64 && set * 8 >= values.count {
            dense = values
        } else {
            for (row, v) in values.enumerated() { if let v { sparse[Int32(row)] = v } }
        }
    }

    /// Calls `body` with each row that holds a value, in no particular order.
    package func forEachSetRow(_ body: (Int) -> Void) {
        if let dense {
            for (row, v) in dense.enumerated() where v != nil { body(row) }
        } else {
            for row in sparse.keys { body(Int(row)) }
        }
    }

    /// The value at `row`, if set.
    package subscript(row: Int) -> JSONValue? {
        if let dense { return row < dense.count ? dense[row] : nil }
        return sparse[Int32(row)]
    }

    /// Sets (or with nil, removes) the value at `row`.
    package mutating func set(_ value: JSONValue?, at row: Int) {
        let had = self[row] != nil
        if dense != nil {
            if dense!.count <= row {
                guard value != nil else { return }
                dense!.append(contentsOf: repeatElement(nil, count: row + 1 - dense!.count))
            }
            dense![row] = value
        } else {
            sparse[Int32(row)] = value
            if sparse.count * 8 >= row + 1, sparse.count >= 64 { densify(rows: row + 1) }
        }
        count += (value != nil ? 1 : 0) - (had ? 1 : 0)
    }

    private mutating func densify(rows: Int) {
        var values = [JSONValue?](repeating: nil, count: max(rows, Int(sparse.keys.max() ?? 0) + 1))
        for (row, value) in sparse { values[Int(row)] = value }
        dense = values
        sparse = [:]
    }

    /// Every set value with its row, in row order.
    package func values() -> [(row: Int, value: JSONValue)] {
        if let dense { return dense.enumerated().compactMap { r, v in v.map { (r, $0) } } }
        return sparse.sorted { $0.key < $1.key }.map { (Int($0.key), $0.value) }
    }

    package static func == (a: ProfileColumn, b: ProfileColumn) -> Bool {
        a.count == b.count && a.values().elementsEqual(b.values()) { $0.row == $1.row && $0.value == $1.value }
    }
}
