// Each project's identity resolution, kept between queries: a resolution is a function of the
// identity facts applied so far (in order; their count names the state) and the merge mode, so
// while neither changes, every query reuses it instead of walking the whole graph again.

import ApusModel
import ApusQuery
import ApusStoreCore
import Synchronization

package final class IdentityCache: Sendable {
    private let entries = Mutex<[ProjectID: (mode: IdentityMode, links: Int, resolution: IdentityResolution)]>([:])

    package init() {}

    /// The resolution of `snapshot`'s identity facts under `mode`.
    package func resolution(_ snapshot: any EventSnapshot, project: ProjectID, mode: IdentityMode) -> IdentityResolution {
        let links = snapshot.identity.linkCount
        guard links > 0 else { return IdentityResolution() }
        if let e = entries.withLock({ $0[project] }), e.mode == mode, e.links == links { return e.resolution }
        let resolution = IdentityResolution(snapshot, mode: mode)
        entries.withLock { $0[project] = (mode, links, resolution) }
        return resolution
    }
}
