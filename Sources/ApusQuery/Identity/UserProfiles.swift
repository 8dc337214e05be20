// `user["key"]` in event queries: each event's user is its identity cluster (the scan's uids,
// mapped by `IdentityResolution`), and a cluster's profile is the profile of its canonical id —
// what the SDKs update after `identify()`. A profile set only on another id of the cluster (an
// anonymous device before login) is not the person's profile, as in Mixpanel.

import ApusExpression
import ApusModel
import ApusStoreCore
import Synchronization

/// The user profile of each uid a scan delivers.
package struct UserProfiles: Sendable {
    package let table: ProfileTable
    private let identity: IdentityResolution
    /// Cluster uid → profile row (-1: none); uids past the end have none.
    private var rowOfUser: [Int32] = []
    /// Expressions that read only `user[…]`, evaluated once per profile (not once per event).
    private let verdicts = Cache()

    package init(_ snapshot: any EventSnapshot, identity: IdentityResolution) {
        table = snapshot.profiles.users
        self.identity = identity
        var pairs: [(user: UInt32, row: Int32)] = []
        for row in table.ids.indices where table.live[row] {
            let id = table.ids[row]
            let user: UInt32
            if let rep = identity.representative(ofCanonical: id) {
                user = rep
            } else if table.uids[row] != ProfileTable.noUid, identity.name(of: table.uids[row]) == nil {
                user = identity.user(table.uids[row])
            } else {
                continue // no events, or an id merged into someone else's cluster
            }
            pairs.append((user, Int32(row)))
        }
        guard let largest = pairs.map(\.user).max() else { return }
        rowOfUser = [Int32](repeating: -1, count: Int(largest) + 1)
        for p in pairs { rowOfUser[Int(p.user)] = p.row }
    }

    /// The profile row of `uid`'s user (`uid` as stored or already mapped), if it has one.
    @inline(__always)
    package func row(ofUid uid: UInt32) -> Int? {
        let u = Int(identity.user(uid))
        guard u < rowOfUser.count, rowOfUser[u] >= 0 else { return nil }
        return Int(rowOfUser[u])
    }

    /// `user[key]` for a row whose uid is `uid`.
    package func value(_ key: String, uid: UInt32) -> JSONValue? {
        row(ofUid: uid).flatMap { table.value(key, row: $0) }
    }
}

extension UserProfiles {
    /// An expression that reads nothing but `user[…]` (and constants): its value depends on the
    /// row's profile alone, so it is worked out once per profile.
    static func readsOnlyUsers(_ e: Expression) -> Bool {
        let refs = e.references
        return refs.containsUserProperties && refs.propertyKeys.isEmpty && refs.eventFields.isEmpty
    }

    /// Rows of `block` whose user's profile makes `e` true (`e` reads only `user[…]`); nil when
    /// the block has no uids.
    func rows(matching e: Expression, in block: EventBlock) -> Bitmap? {
        guard !block.uids.isEmpty else { return nil }
        let (perRow, none) = verdict(e)
        return block.uids.withUnsafeBufferPointer { uids in
            Bitmap(count: block.count) { r in
                guard let p = row(ofUid: uids[r]) else { return none }
                return perRow[p]
            }
        }
    }

    /// Per profile row whether `e` is true, and its value for a user without a profile.
    func verdict(_ e: Expression) -> (perRow: [Bool], none: Bool) {
        let key = e.description
        if let cached = verdicts.state.withLock({ $0.verdicts[key] }) { return cached }
        let perRow = table.ids.indices.map { table.live[$0] && ExpressionEvaluator.matches(e, row: ProfileExpressionRow(table: table, row: $0)) }
        let none = ExpressionEvaluator.matches(e, row: JSONExpressionRow(properties: []))
        verdicts.state.withLock { $0.verdicts[key] = (perRow, none) }
        return (perRow, none)
    }

    /// Per profile row the segment text `on` names (an index into `texts`, -1 for none), and
    /// the index for a user without a profile.
    func segmentTexts(_ on: Expression) -> (perRow: [Int32], texts: [String], none: Int32) {
        let key = on.description
        if let cached = verdicts.state.withLock({ $0.texts[key] }) { return cached }
        var texts: [String] = [], index: [String: Int32] = [:]
        func number(_ text: String?) -> Int32 {
            guard let text else { return -1 }
            if let i = index[text] { return i }
            let i = Int32(texts.count)
            texts.append(text)
            index[text] = i
            return i
        }
        let perRow = table.ids.indices.map { row -> Int32 in
            guard table.live[row] else { return -1 }
            return number(segmentText(ExpressionEvaluator.evaluate(on, row: ProfileExpressionRow(table: table, row: row))))
        }
        let none = number(segmentText(ExpressionEvaluator.evaluate(on, row: JSONExpressionRow(properties: []))))
        let result = (perRow, texts, none)
        verdicts.state.withLock { $0.texts[key] = result }
        return result
    }

    /// Per-query results shared by the scan's workers.
    final class Cache: Sendable {
        struct State {
            var verdicts: [String: (perRow: [Bool], none: Bool)] = [:]
            var texts: [String: (perRow: [Int32], texts: [String], none: Int32)] = [:]
        }
        let state = Mutex(State())
    }
}
