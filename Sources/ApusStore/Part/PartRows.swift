// Every column of a part decoded and cross-checked, ready to rebuild events. The key order
// column and the property columns describe presence twice (shapes, row lists); they must agree
// value for value, which is checked once here so that rebuilding events never indexes out of
// bounds.

import ApusStoreCore
import ApusModel

/// All decoded columns of one part, consistent with each other.
package struct PartRows: Sendable {
    package let times: [Int64]
    package let seqs: [UInt64]
    package let names: DictionaryColumn
    package let distinctIds: RunColumn
    package let insertIds: [String]
    package let keys: [String]
    package let keyOrder: KeyOrderColumn
    package let columns: [PropertyColumn]

    /// The number of rows.
    package var count: Int { times.count }

    init(_ part: PartReader) throws(PartError) {
        times = try part.times
        seqs = try part.seqs
        names = try part.nameColumnValues
        distinctIds = try part.distinctIds
        insertIds = try part.insertIds
        keys = try part.keys
        keyOrder = try part.keyOrder
        var columns: [PropertyColumn] = []
        columns.reserveCapacity(keys.count)
        for id in 0..<keys.count { columns.append(try part.propertyColumn(id: id)) }
        self.columns = columns

        var cursor = [Int](repeating: 0, count: columns.count)
        for row in 0..<times.count {
            for c in keyOrder.keys(ofRow: row) {
                let i = Int(c)
                guard cursor[i] < columns[i].rows.count, columns[i].rows[cursor[i]] == UInt32(row) else {
                    throw PartError(.malformed, file: part.url.path, section: part.sectionLabel(PartReader.fixedSections + i),
                                    "row \(row) lists key \(keys[i]) but the column does not hold it there; " + PartError.damagedRemedy)
                }
                cursor[i] += 1
            }
        }
        for (i, column) in columns.enumerated() where cursor[i] != column.rows.count {
            throw PartError(.malformed, file: part.url.path, section: part.sectionLabel(PartReader.fixedSections + i),
                            "column holds \(column.rows.count) values but rows list \(cursor[i]); " + PartError.damagedRemedy)
        }
    }

    /// The event at `row`, using `distinctEntry` (the run holding `row`) and `next`, each
    /// column's index of its next value, which is advanced past this row's values.
    @inline(__always)
    func event(at row: Int, distinctEntry: Int, next: inout [Int]) -> StoredEvent {
        let shape = keyOrder.keys(ofRow: row)
        var properties: [JSONMember] = []
        properties.reserveCapacity(shape.count)
        for c in shape {
            let i = Int(c)
            properties.append(JSONMember(keys[i], columns[i].values.value(at: next[i])))
            next[i] += 1
        }
        let event = Event(name: names[row], distinctId: distinctIds.dictionary[distinctEntry], timeMs: times[row],
                          insertId: insertIds[row], properties: properties)
        return StoredEvent(seq: seqs[row], event: event)
    }

    /// The event at `row`, found by binary search in each of its columns.
    func event(at row: Int) -> StoredEvent {
        var next = [Int](repeating: 0, count: columns.count)
        for c in keyOrder.keys(ofRow: row) where next[Int(c)] == 0 {
            next[Int(c)] = columns[Int(c)].firstValueIndex(ofRow: row)!
        }
        return event(at: row, distinctEntry: distinctIds.entry(ofRow: row), next: &next)
    }
}
