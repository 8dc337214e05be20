// `user["key"]` in event queries: each event's user is its identity cluster (the scan's uids,
// mapped by `IdentityResolution`), and a cluster's profile is the profile of its canonical id —
// what the SDKs update after `identify()`. A profile set only on another id of the cluster (an
// anonymous device before login) is not the person's profile, as in Mixpanel.

import ApusModel
import ApusStoreCore

/// The user profile of each uid a scan delivers.
package struct UserProfiles: Sendable {
    package let table: ProfileTable
    private let identity: IdentityResolution
    /// Cluster uid → profile row (-1: none); uids past the end have none.
    private var rowOfUser: [Int32] = []

    package init(_ snapshot: any EventSnapshot, identity: IdentityResolution) {
        table = snapshot.profiles.users
        self.identity = identity
        var pairs: [(user: UInt32, row: Int32)] = []
        for row in table.ids.indices where table.live[row] {
            let id = table.ids[row]
            let user: UInt32
            if let rep = identity.representative(ofCanonical: id) {
                user = rep
            } else if let uid = snapshot.uid(of: id), identity.name(of: uid) == nil {
                user = identity.user(uid)
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
