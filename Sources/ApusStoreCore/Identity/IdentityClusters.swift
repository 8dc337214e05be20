// Ids joined into clusters (a union-find over ids, compared by their bytes). Each cluster has a
// canonical id — the one reports count and export show for all of its ids — and, once known,
// its anchor: the `$user_id` (Simplified) or identified id (Original) that no other anchor may
// join. Joins only ever grow clusters, so a join refused once stays refused.

import ApusModel

/// Clusters of ids under one merge mode.
package struct IdentityClusters: Sendable {
    /// Every id that took part in a link, by node number.
    package private(set) var ids: [String] = []
    private var index: [ExactText: Int32] = [:]
    private var parent: [Int32] = []
    /// Per root: members, canonical node, anchor node (-1: none yet).
    private var size: [Int32] = []
    private var canonicalNode: [Int32] = []
    private var anchorNode: [Int32] = []
    /// Joins made so far (a cache of resolutions may compare it).
    package private(set) var joins = 0

    /// Most ids one cluster may hold under Original ID merge (Mixpanel's limit; Simplified
    /// clusters take any number of devices).
    package static let clusterSizeMax = 500

    package init() {}

    /// The node of `id`, added as a cluster of one if new.
    mutating func node(_ id: String) -> Int32 {
        if let n = index[ExactText(id)] { return n }
        let n = Int32(ids.count)
        ids.append(id)
        index[ExactText(id)] = n
        parent.append(n)
        size.append(1)
        canonicalNode.append(n)
        anchorNode.append(-1)
        return n
    }

    /// The root of `n`'s cluster, halving the path on the way.
    mutating func root(_ n: Int32) -> Int32 {
        var x = n
        while parent[Int(x)] != x {
            parent[Int(x)] = parent[Int(parent[Int(x)])]
            x = parent[Int(x)]
        }
        return x
    }

    /// The root without changing anything.
    func peekRoot(_ n: Int32) -> Int32 {
        var x = n
        while parent[Int(x)] != x { x = parent[Int(x)] }
        return x
    }

    func anchor(ofRoot r: Int32) -> Int32 { anchorNode[Int(r)] }
    func canonical(ofRoot r: Int32) -> Int32 { canonicalNode[Int(r)] }
    func count(ofRoot r: Int32) -> Int { Int(size[Int(r)]) }

    /// Joins the clusters of roots `a` and `b`, naming the result by `canonical` with `anchor`.
    /// False (and nothing changes) when the result would hold more than `limit` ids.
    @discardableResult
    mutating func join(_ a: Int32, _ b: Int32, canonical: Int32, anchor: Int32, limit: Int = Int(Int32.max)) -> Bool {
        guard a != b else { return true }
        guard Int(size[Int(a)]) + Int(size[Int(b)]) <= limit else { return false }
        let (big, small) = size[Int(a)] >= size[Int(b)] ? (a, b) : (b, a)
        parent[Int(small)] = big
        size[Int(big)] += size[Int(small)]
        canonicalNode[Int(big)] = canonical
        anchorNode[Int(big)] = anchor
        joins += 1
        return true
    }

    /// Sets the anchor of root `r` (a cluster of one learning what it is).
    mutating func setAnchor(_ r: Int32, _ anchor: Int32, canonical: Int32) {
        anchorNode[Int(r)] = anchor
        canonicalNode[Int(r)] = canonical
    }

    // MARK: Reading

    /// The canonical id of `id`: itself unless a join put it in a cluster named otherwise.
    package func canonical(of id: String) -> String {
        guard let n = index[ExactText(id)] else { return id }
        return ids[Int(canonicalNode[Int(peekRoot(n))])]
    }

    /// Every id whose canonical id is another, with that id.
    package func merged() -> [(id: String, canonical: String)] {
        var out: [(String, String)] = []
        for n in ids.indices {
            let c = Int(canonicalNode[Int(peekRoot(Int32(n)))])
            if c != n { out.append((ids[n], ids[c])) }
        }
        return out
    }

    /// The ids of each cluster of more than one id, canonical id first.
    package func clusters() -> [[String]] {
        var members: [Int32: [String]] = [:]
        for n in ids.indices { members[peekRoot(Int32(n)), default: []].append(ids[n]) }
        return members.values.filter { $0.count > 1 }.map { ids in
            let c = canonical(of: ids[0])
            return [c] + ids.filter { $0 != c }
        }
    }
}
