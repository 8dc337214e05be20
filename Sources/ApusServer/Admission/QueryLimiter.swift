// Per-project admission for the Query API: at most so many queries in any sliding hour and so
// many running at once (Mixpanel's own limits are 60 an hour and 5 at once). Off by default:
// a self-hosted server's readers are its owner's; turn it on to share one fairly or to match
// what a client written for Mixpanel expects. Over a limit the answer is 429 with Retry-After.

import ApusModel
import Synchronization

/// The limits; nil means unlimited.
package struct QueryLimits: Sendable, Equatable {
    package var perHour: Int?
    package var concurrentMax: Int?

    package init(perHour: Int? = nil, concurrentMax: Int? = nil) {
        self.perHour = perHour
        self.concurrentMax = concurrentMax
    }

    /// Mixpanel's: 60 queries an hour, 5 at once.
    package static let mixpanel = QueryLimits(perHour: 60, concurrentMax: 5)
}

/// Admits or refuses queries per project.
package final class QueryLimiter: Sendable {
    private struct ProjectState {
        /// Admission times within the last hour, oldest first.
        var recent: [Int64] = []
        var running = 0
    }

    package let limits: QueryLimits
    private let clock: any WallClock
    private let state = Mutex<[ProjectID: ProjectState]>([:])
    private static let windowMs: Int64 = 3_600_000

    package init(limits: QueryLimits, clock: any WallClock) {
        self.limits = limits
        self.clock = clock
    }

    /// Admits one query of `project` (call `release` when it ends), or says why not.
    package func admit(_ project: ProjectID) -> Result<Void, QueryError> {
        guard limits.perHour != nil || limits.concurrentMax != nil else { return .success(()) }
        let now = clock.nowMs()
        return state.withLock { all in
            var s = all[project] ?? ProjectState()
            defer { all[project] = s }
            if let i = s.recent.firstIndex(where: { $0 > now - Self.windowMs }) { s.recent.removeFirst(i) } else { s.recent.removeAll() }
            if let most = limits.concurrentMax, s.running >= most {
                return .failure(QueryError(status: 429, code: "too_many_concurrent_queries",
                                           message: "project \(project) already runs \(most) queries at once; retry when one ends",
                                           retryAfterSeconds: 1))
            }
            if let most = limits.perHour, s.recent.count >= most, let oldest = s.recent.first {
                let wait = Int((oldest + Self.windowMs - now + 999) / 1000)
                return .failure(QueryError(status: 429, code: "query_rate_limited",
                                           message: "project \(project) ran \(most) queries in the last hour; retry in \(wait) s",
                                           retryAfterSeconds: max(1, wait)))
            }
            s.recent.append(now)
            s.running += 1
            return .success(())
        }
    }

    /// Ends a query admitted for `project`.
    package func release(_ project: ProjectID) {
        guard limits.perHour != nil || limits.concurrentMax != nil else { return }
        state.withLock { all in all[project]?.running -= 1 }
    }
}
