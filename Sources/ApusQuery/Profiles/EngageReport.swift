// Profile queries (`/engage`, spec §2.2): which profiles of a snapshot match — by id, by a
// `where` over their properties — in a stable order (the order profiles were first created),
// and each one's properties as the caller asked for them. Paging is the caller's: the rows come
// back whole so every page of one query is cut from the same answer.

import ApusExpression
import ApusModel
import ApusStoreCore

/// What a profile query asks.
package struct EngageQuery: Sendable {
    /// Group profiles of this group key instead of user profiles.
    package var groupKey: String?
    /// Only these ids (`distinct_id` / `distinct_ids`), in the table's order.
    package var ids: [String]?
    /// Profiles must make this true; `properties["x"]` and `user["x"]` both read the profile.
    package var filter: Expression?
    /// Only these properties in each result (all when nil).
    package var outputProperties: [String]?

    package init(groupKey: String? = nil, ids: [String]? = nil, filter: Expression? = nil, outputProperties: [String]? = nil) {
        self.groupKey = groupKey
        self.ids = ids
        self.filter = filter
        self.outputProperties = outputProperties
    }
}

/// The profiles a query matched, in order, over the table they came from.
package struct EngageMatch: Sendable {
    package var table: ProfileTable
    package var rows: [Int32]
    package var outputProperties: [String]?

    /// One matched profile: its id and properties (only the asked-for ones, in the order
    /// asked, when `outputProperties` is set).
    package func profile(_ i: Int) -> (id: String, properties: [JSONMember]) {
        let row = Int(rows[i])
        // A row a later page reads that the table no longer holds live shows no properties.
        guard row < table.ids.count else { return ("", []) }
        guard table.live[row] else { return (table.ids[row], []) }
        guard let names = outputProperties else { return (table.ids[row], table.properties(row: row)) }
        var out: [JSONMember] = []
        for name in names {
            if let v = table.value(name, row: row), !out.contains(where: { $0.key == name }) { out.append(JSONMember(name, v)) }
        }
        return (table.ids[row], out)
    }
}

package enum EngageReport {
    /// The live profiles `query` matches in `profiles`.
    package static func run(_ query: EngageQuery, profiles: ProfileTables) -> EngageMatch {
        let table: ProfileTable
        if let key = query.groupKey {
            table = profiles.groups(key) ?? ProfileTable()
        } else {
            table = profiles.users
        }
        var rows: [Int32] = []
        if let ids = query.ids {
            var seen = Set<Int>()
            for id in ids {
                guard let row = table.row(of: id), table.live[row], seen.insert(row).inserted else { continue }
                rows.append(Int32(row))
            }
            rows.sort()
        } else {
            rows.reserveCapacity(table.liveCount)
            for row in table.ids.indices where table.live[row] { rows.append(Int32(row)) }
        }
        if let filter = query.filter {
            rows = ProfileFilter.rows(filter, table, rows)
        }
        return EngageMatch(table: table, rows: rows, outputProperties: query.outputProperties)
    }
}

/// A profile as an expression row: its properties under both `properties[…]` and `user[…]`.
struct ProfileExpressionRow: ExpressionRow {
    let table: ProfileTable
    let row: Int

    func property(_ key: String) -> ExpressionValue {
        table.value(key, row: row).map(ExpressionValue.init(json:)) ?? .undefined
    }

    func userProperty(_ key: String) -> ExpressionValue { property(key) }

    func eventField(_ field: EventField) -> ExpressionValue {
        field == .distinctID ? .string(table.ids[row]) : .undefined
    }
}
