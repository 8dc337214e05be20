// One row of a column block seen as an expression row, so a `where` or `on` expression can be
// evaluated by the reference evaluator over stored columns. This is the first, row-at-a-time
// binding (correct for every construct); the vectorised kernels replace it construct by
// construct, and these rows stay as their fallback.

import ApusExpression
import ApusModel
import ApusStoreCore

/// Row `row` of a block. `time`, `distinct_id` and `$insert_id` read as export shows them.
struct BlockExpressionRow: ExpressionRow {
    let block: EventBlock
    /// Property key → its column in `block`, by exact bytes.
    let columns: [[UInt8]: Int]
    let snapshot: any EventSnapshot
    /// Profiles `user[…]` reads (nil: the query names none).
    let users: UserProfiles?
    var row = 0

    init(block: EventBlock, snapshot: any EventSnapshot, users: UserProfiles? = nil) {
        self.block = block
        self.snapshot = snapshot
        self.users = users
        columns = Self.columns(of: block)
    }

    /// Each property key's column index, by exact bytes (the first of a repeated key).
    static func columns(of block: EventBlock) -> [[UInt8]: Int] {
        var columns: [[UInt8]: Int] = [:]
        for (i, key) in block.propertyKeys.enumerated() where columns[Array(key.utf8)] == nil { columns[Array(key.utf8)] = i }
        return columns
    }

    /// Rows of `block` where `filter` is true: by column loops where it can, else row by row.
    /// `counted` (one flag per name of the block) limits the row-by-row fallback to rows of
    /// the events a report counts; other rows then read as not matching.
    static func matching(_ filter: Expression, _ block: EventBlock, snapshot: any EventSnapshot, counted: [Bool]? = nil,
                         users: UserProfiles? = nil) -> Bitmap {
        let columns = columns(of: block)
        if let bits = VectorFilter.rows(filter, block, columns, users: users) { return bits }
        var row = BlockExpressionRow(block: block, snapshot: snapshot, users: users)
        return Bitmap(count: block.count) { r in
            if let counted, !counted[Int(block.nameIds[r])] { return false }
            row.row = r
            return ExpressionEvaluator.matches(filter, row: row)
        }
    }

    func property(_ key: String) -> ExpressionValue {
        switch key {
        case "time": return block.timesMs.isEmpty ? .undefined : .number(Double(block.timesMs[row]) / 1000)
        case "distinct_id": return block.uids.isEmpty ? .undefined : .string(snapshot.distinctId(of: block.uids[row]))
        case "$insert_id": return block.insertIds.count == 0 ? .undefined : .string(block.insertIds[row])
        default:
            guard let k = columns[Array(key.utf8)], let value = block.properties[k].value(at: row) else { return .undefined }
            return ExpressionValue(json: value)
        }
    }

    /// The property of the row's user's profile (through its identity cluster).
    func userProperty(_ key: String) -> ExpressionValue {
        guard let users, !block.uids.isEmpty, let value = users.value(key, uid: block.uids[row]) else { return .undefined }
        return ExpressionValue(json: value)
    }

    func eventField(_ field: EventField) -> ExpressionValue {
        switch field {
        case .time: return block.timesMs.isEmpty ? .undefined : .datetime(block.timesMs[row])
        case .name: return .string(block.names[Int(block.nameIds[row])])
        case .distinctID: return block.uids.isEmpty ? .undefined : .string(snapshot.distinctId(of: block.uids[row]))
        }
    }
}

/// The columns an expression needs from a scan.
struct ExpressionNeeds {
    var propertyKeys: [String] = []
    var times = false
    var uids = false
    var insertIds = false
    /// Some expression reads `user[…]`: rows need their users' profiles (and so their uids).
    var users = false

    /// What `expressions` read (nil ones skipped), with `keys` read besides.
    init(reading expressions: [Expression?], keys: [String] = []) throws(ReportError) {
        propertyKeys = keys
        for e in expressions.compactMap({ $0 }) { add(e) }
    }

    /// The profiles the expressions read, when they read any.
    func userProfiles(_ snapshot: any EventSnapshot, _ policy: ScanPolicy) -> UserProfiles? {
        users ? UserProfiles(snapshot, identity: policy.identity) : nil
    }

    /// Asks `request` for the property columns and insert ids these expressions read.
    func apply(to request: inout ScanRequest) {
        if !propertyKeys.isEmpty { request.properties = .keys(propertyKeys) }
        request.insertIds = insertIds
    }

    mutating func add(_ e: Expression) {
        let refs = e.references
        for key in refs.propertyKeys {
            switch key {
            case "time": times = true
            case "distinct_id": uids = true
            case "$insert_id": insertIds = true
            default: if !propertyKeys.contains(where: { $0.utf8.elementsEqual(key.utf8) }) { propertyKeys.append(key) }
            }
        }
        if refs.eventFields.contains(.time) { times = true }
        if refs.eventFields.contains(.distinctID) { uids = true }
        if refs.containsUserProperties {
            users = true
            uids = true
        }
    }
}

/// The segment an `on` value names: strings as they are, numbers as export writes them,
/// booleans and datetimes as text; undefined, null and lists name none.
func segmentText(_ value: ExpressionValue) -> String? {
    switch value {
    case .undefined, .null, .list: return nil
    default:
        if case .string(let s) = ExpressionSemantics.toString(value) { return s }
        return nil
    }
}

/// A `where` applied to whole blocks: the rows that make it true (raw export).
package struct BlockFilter: Sendable {
    package let expression: Expression
    let snapshot: any EventSnapshot
    let users: UserProfiles?

    /// `identity` resolves the users whose profiles `user[…]` reads.
    package init(_ expression: Expression, snapshot: any EventSnapshot, identity: IdentityResolution = IdentityResolution()) {
        self.expression = expression
        self.snapshot = snapshot
        users = expression.references.containsUserProperties ? UserProfiles(snapshot, identity: identity) : nil
    }

    /// The block of only the rows that match, or nil when none does.
    package func apply(_ block: EventBlock) -> EventBlock? {
        let keep = BlockExpressionRow.matching(expression, block, snapshot: snapshot, users: users).setRows
        if keep.isEmpty { return nil }
        return keep.count == block.count ? block : block.selecting(keep)
    }
}
