// A project's identity graph: every identity fact its events gave, joined under both merge
// modes as they arrive (in sequence order), so switching a project's mode or asking in either
// is a lookup. Rules (spec §1.6):
//
// Simplified — a device joins the cluster of the `$user_id` it was seen with, unless it
// already belongs to another user; a cluster holds one `$user_id`, its canonical id.
// Original — `$identify` joins an anonymous id to an identified one unless the anonymous id is
// already identified; `$create_alias` joins a new alias to an existing id unless the alias
// already stands with other ids; `$merge` joins two clusters. The canonical id is the
// identified id, the aliased id, or the first id of a `$merge`'s clusters. At most 500 ids per
// cluster.

import ApusModel

/// Every identity fact of a project, joined under both modes.
package struct IdentityGraph: Sendable, Equatable {
    package private(set) var simplified = IdentityClusters()
    package private(set) var original = IdentityClusters()
    private var seen: Set<IdentityLink> = []
    /// The distinct facts in the order they were applied (the order decides refusals).
    package private(set) var ordered: [IdentityLink] = []

    package init() {}

    /// The graph `links` make when applied in this order.
    package init(replaying links: [IdentityLink]) {
        for link in links { apply(link) }
    }

    /// Distinct facts applied.
    package var linkCount: Int { seen.count }

    /// Every distinct fact applied (in no particular order).
    package var links: Set<IdentityLink> { seen }

    /// The clusters of `mode`.
    package func clusters(_ mode: IdentityMode) -> IdentityClusters {
        mode == .simplified ? simplified : original
    }

    /// Applies one fact (a fact seen before changes nothing: refusals are permanent).
    package mutating func apply(_ link: IdentityLink) {
        guard seen.insert(link).inserted else { return }
        ordered.append(link)
        switch link {
        case .deviceUser(let device, let user):
            Self.linkDevice(device, user, &simplified)
        case .identify(let anon, let identified):
            Self.identify(anon, identified, &original)
        case .alias(let alias, let distinctId):
            Self.alias(alias, distinctId, &original)
        case .merge(let first, let second):
            Self.merge(first, second, &original)
        }
    }

    private static func linkDevice(_ device: String, _ user: String, _ c: inout IdentityClusters) {
        let d = c.node(device), u = c.node(user)
        let rd = c.root(d), ru = c.root(u)
        if rd != ru {
            let deviceAnchor = c.anchor(ofRoot: rd), userAnchor = c.anchor(ofRoot: ru)
            // A user's cluster is named by its user id; one learning it now is anchored.
            if userAnchor == -1 { c.setAnchor(ru, u, canonical: u) }
            let anchor = c.anchor(ofRoot: ru)
            if deviceAnchor == -1 || deviceAnchor == anchor {
                c.join(rd, ru, canonical: c.canonical(ofRoot: ru), anchor: anchor)
            }
        }
    }

    private static func identify(_ anon: String, _ identified: String, _ c: inout IdentityClusters) {
        let a = c.node(anon), i = c.node(identified)
        let ra = c.root(a), ri = c.root(i)
        if ra != ri && c.anchor(ofRoot: ra) == -1 {
            let anchor = c.anchor(ofRoot: ri) == -1 ? i : c.anchor(ofRoot: ri)
            c.join(ra, ri, canonical: c.canonical(ofRoot: ri), anchor: anchor, limit: IdentityClusters.clusterSizeMax)
        }
    }

    private static func alias(_ alias: String, _ distinctId: String, _ c: inout IdentityClusters) {
        let a = c.node(alias), d = c.node(distinctId)
        let ra = c.root(a), rd = c.root(d)
        if ra != rd && c.count(ofRoot: ra) == 1 {
            c.join(ra, rd, canonical: c.canonical(ofRoot: rd), anchor: c.anchor(ofRoot: rd), limit: IdentityClusters.clusterSizeMax)
        }
    }

    private static func merge(_ first: String, _ second: String, _ c: inout IdentityClusters) {
        let a = c.node(first), b = c.node(second)
        let ra = c.root(a), rb = c.root(b)
        if ra != rb {
            let anchor = c.anchor(ofRoot: ra) != -1 ? c.anchor(ofRoot: ra) : c.anchor(ofRoot: rb)
            c.join(ra, rb, canonical: c.canonical(ofRoot: ra), anchor: anchor, limit: IdentityClusters.clusterSizeMax)
        }
    }

    /// Same facts, same clusters in both modes.
    package static func == (a: IdentityGraph, b: IdentityGraph) -> Bool {
        func mapping(_ c: IdentityClusters) -> [String: String] {
            Dictionary(c.merged().map { ($0.id, $0.canonical) }, uniquingKeysWith: { x, _ in x })
        }
        return a.seen == b.seen && mapping(a.simplified) == mapping(b.simplified) && mapping(a.original) == mapping(b.original)
    }
}
