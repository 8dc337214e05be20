// A snapshot's users as its project's identity merge sees them: every uid of a cluster counts as
// one user (the uid of the cluster's canonical id, or its smallest uid when the canonical id has
// no events), and is shown under the canonical id. Applied when a query reads, so a merge that
// arrives after the events it merges changes every report at once (Mixpanel's retroactive merge).

import ApusModel
import ApusStoreCore

/// Uids mapped to the user they count as, and the id that user is shown as.
package struct IdentityResolution: Sendable {
    /// uid → the uid it counts as; uids past the end count as themselves.
    private var uidMap: [UInt32] = []
    /// uid → the canonical id its rows are shown with, where that differs from its own.
    private var names: [UInt32: String] = [:]
    /// Canonical id of each cluster → the uid its rows count as.
    private var representatives: [ExactText: UInt32] = [:]

    /// Nothing merged: every uid is its own user.
    package var isEmpty: Bool { names.isEmpty && uidMap.isEmpty }

    package init() {}

    /// The resolution of `snapshot`'s identity facts under `mode`.
    package init(_ snapshot: any EventSnapshot, mode: IdentityMode) {
        let clusters = snapshot.identity.clusters(mode).clusters()
        guard !clusters.isEmpty else { return }
        var pairs: [(uid: UInt32, to: UInt32)] = []
        for ids in clusters {
            let canonical = ids[0]
            let uids = ids.map { snapshot.uid(of: $0) }
            guard let representative = uids[0] ?? uids.compactMap({ $0 }).min() else { continue }
            representatives[ExactText(canonical)] = representative
            for (id, uid) in zip(ids, uids) {
                guard let uid else { continue }
                if uid != representative { pairs.append((uid, representative)) }
                if id != canonical { names[uid] = canonical }
            }
            // The representative's rows are shown as the canonical id too.
            if uids[0] == nil { names[representative] = canonical }
        }
        guard let largest = pairs.map(\.uid).max() else { return }
        uidMap = (0...largest).map { UInt32($0) }
        for p in pairs { uidMap[Int(p.uid)] = p.to }
    }

    /// The uid `uid` counts as.
    @inline(__always)
    package func user(_ uid: UInt32) -> UInt32 {
        Int(uid) < uidMap.count ? uidMap[Int(uid)] : uid
    }

    /// The uid a cluster named `canonical` counts as, if `canonical` names a cluster with events.
    package func representative(ofCanonical canonical: String) -> UInt32? {
        representatives.isEmpty ? nil : representatives[ExactText(canonical)]
    }

    /// The id `uid`'s rows are shown with, when a merge renamed it.
    package func name(of uid: UInt32) -> String? {
        names.isEmpty ? nil : names[uid]
    }

    /// Rewrites a block's uids to the users they count as.
    package func apply(to uids: inout [UInt32]) {
        guard !uidMap.isEmpty else { return }
        let n = uidMap.count
        uidMap.withUnsafeBufferPointer { map in
            uids.withUnsafeMutableBufferPointer { uids in
                for i in 0..<uids.count where Int(uids[i]) < n { uids[i] = map[Int(uids[i])] }
            }
        }
    }
}
