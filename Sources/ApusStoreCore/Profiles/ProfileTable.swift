// Profiles of one kind (a project's users, or the groups of one group key) as columns: a row
// per profile id, a column per property key, so a `where` over a million profiles or a
// breakdown by a user property is a loop over one column. Rows are never reused for another
// id: a deleted profile keeps its row, marked not live, and comes back there if updated again.
// A value type: a snapshot is a copy, and the arrays are shared until the store writes again.

import ApusModel

/// The profiles of one kind, as columns.
package struct ProfileTable: Sendable, Equatable {
    /// Each row's id: the `$distinct_id` of a user, or the `$group_id` of a group.
    package private(set) var ids: [String] = []
    /// Each row's uid in the project's user-id dictionary (`noUid` for group profiles), so a
    /// scan's uids find their profile rows without a lookup by text.
    package private(set) var uids: [UInt32] = []
    /// Rows whose profile exists (false once deleted).
    package private(set) var live: [Bool] = []
    private var rowOf: [ExactText: Int32] = [:]
    /// Property keys, in the order they first appeared.
    package private(set) var keys: [String] = []
    private var keyIndex: [ExactText: Int] = [:]
    /// Per key, each row's value (dense or sparse, see `ProfileColumn`).
    package private(set) var columns: [ProfileColumn] = []
    /// How many properties each row holds (for the per-profile limit).
    private var propertyCounts: [Int32] = []
    /// Live rows.
    package private(set) var liveCount = 0

    package init() {}

    /// A table read back from its parts (a checkpoint): `columns[k]` holds key `k`'s values
    /// (rows past `ids` are not allowed).
    package init(ids: [String], uids: [UInt32], live: [Bool], keys: [String], columns: [ProfileColumn]) {
        precondition(ids.count == live.count && ids.count == uids.count && keys.count == columns.count)
        self.ids = ids
        self.uids = uids
        self.live = live
        self.keys = keys
        self.columns = columns
        rowOf.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() { rowOf[ExactText(id)] = Int32(row) }
        for (k, key) in keys.enumerated() where keyIndex[ExactText(key)] == nil { keyIndex[ExactText(key)] = k }
        var counts = [Int32](repeating: 0, count: ids.count)
        for column in self.columns {
            column.forEachSetRow { row in if row < counts.count { counts[row] += 1 } }
        }
        propertyCounts = counts
        liveCount = live.lazy.filter { $0 }.count
    }

    /// The uid of rows that have none (group profiles).
    package static let noUid = UInt32.max

    /// The most properties a profile holds; further keys are not added (Mixpanel's limit).
    package static let propertiesMax = 2000

    /// The row of `id`, if it ever had a profile.
    package func row(of id: String) -> Int? {
        rowOf[ExactText(id)].map(Int.init)
    }

    /// The value of `key` in `row`, if set.
    package func value(_ key: String, row: Int) -> JSONValue? {
        guard let k = keyIndex[ExactText(key)] else { return nil }
        return value(column: k, row: row)
    }

    /// The value of column `k` in `row`, if set.
    package func value(column k: Int, row: Int) -> JSONValue? {
        columns[k][row]
    }

    /// The column index of `key`, if any profile ever held it.
    package func column(of key: String) -> Int? {
        keyIndex[ExactText(key)]
    }

    /// A live row's properties, in key order.
    package func properties(row: Int) -> [JSONMember] {
        var out: [JSONMember] = []
        for k in keys.indices {
            if let v = value(column: k, row: row) { out.append(JSONMember(keys[k], v)) }
        }
        return out
    }

    // MARK: Changing

    /// The row of `id`, made (live) if needed; a new row gets its uid from `uid`.
    mutating func liveRow(_ id: String, uid: ((String) -> UInt32?)?) -> Int {
        let key = ExactText(id)
        if let r = rowOf[key] {
            let row = Int(r)
            if !live[row] {
                live[row] = true
                liveCount += 1
            }
            return row
        }
        let row = ids.count
        ids.append(id)
        uids.append(uid?(id) ?? Self.noUid)
        live.append(true)
        propertyCounts.append(0)
        rowOf[key] = Int32(row)
        liveCount += 1
        return row
    }

    /// The row of `id` when its profile exists.
    func existingRow(_ id: String) -> Int? {
        guard let r = rowOf[ExactText(id)], live[Int(r)] else { return nil }
        return Int(r)
    }

    /// Sets `key` in `row` (nil removes it). A new key past the profile's limit is not added;
    /// returns false then.
    @discardableResult
    mutating func set(_ key: String, _ value: JSONValue?, row: Int) -> Bool {
        let k: Int
        if let existing = keyIndex[ExactText(key)] {
            k = existing
        } else {
            guard value != nil else { return true }
            k = keys.count
            keys.append(key)
            keyIndex[ExactText(key)] = k
            columns.append(ProfileColumn())
        }
        let had = columns[k][row] != nil
        if !had {
            guard value != nil else { return true }
            guard propertyCounts[row] < Self.propertiesMax else { return false }
        }
        columns[k].set(value, at: row)
        if had && value == nil { propertyCounts[row] -= 1 }
        if !had && value != nil { propertyCounts[row] += 1 }
        return true
    }

    /// Removes every property of `row` and marks it deleted.
    mutating func delete(row: Int) {
        guard live[row] else { return }
        for k in columns.indices where columns[k][row] != nil { columns[k].set(nil, at: row) }
        propertyCounts[row] = 0
        live[row] = false
        liveCount -= 1
    }

    package static func == (a: ProfileTable, b: ProfileTable) -> Bool {
        guard a.liveCount == b.liveCount else { return false }
        for (row, id) in a.ids.enumerated() where a.live[row] {
            guard let other = b.existingRow(id) else { return false }
            let mine = a.properties(row: row), theirs = b.properties(row: other)
            guard mine.count == theirs.count else { return false }
            for m in mine {
                guard let v = b.value(m.key, row: other), v == m.value else { return false }
            }
        }
        return true
    }
}
