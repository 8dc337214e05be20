// One byte budget for every request body being read or parsed, across all connections.
// Without it memory grows with the number of unfinished uploads (250 stalled 11 MB bodies
// once cost 3.9 GB); with it, a request that would go over is refused at once (503 with
// Retry-After, or 429 when one client holds more than its share) and nothing is buffered.
//
// A request charges its body's bytes as they are read (all of a declared Content-Length up
// front), then an estimate of its parsed form before parsing; everything is given back when
// the request is answered.

import Synchronization

/// Limits on memory held by request bodies.
package struct BodyBudgetLimits: Sendable, Equatable {
    /// Bytes all requests together may hold.
    package var bytesMax: Int
    /// Bytes the requests of one client address may hold together.
    package var clientBytesMax: Int

    /// A budget of `bytesMax`, of which one client may hold a quarter.
    package init(bytesMax: Int) {
        self.bytesMax = bytesMax
        clientBytesMax = max(bytesMax / 4, 1)
    }

    /// The default for a machine with `physicalMemory` bytes: a sixteenth of it, at least
    /// 64 MiB and at most 512 MiB (enough for dozens of maximum-size batches at once).
    package static func sized(forPhysicalMemory physicalMemory: UInt64) -> BodyBudgetLimits {
        let share = Int(min(physicalMemory / 16, UInt64(Int.max)))
        return BodyBudgetLimits(bytesMax: min(max(share, 64 << 20), 512 << 20))
    }
}

/// The shared budget. Thread-safe.
package final class BodyBudget: Sendable {
    /// Why bytes could not be granted.
    package enum Refusal: Error, Sendable, Equatable {
        /// All requests together hold the whole budget.
        case serverBusy
        /// This client's requests hold its whole share.
        case clientOverShare
    }

    package let limits: BodyBudgetLimits
    private let state = Mutex(State())

    private struct State {
        var used = 0
        var byClient: [String: Int] = [:]
    }

    package init(limits: BodyBudgetLimits) {
        self.limits = limits
    }

    /// Bytes held right now by all requests.
    package var bytesInUse: Int { state.withLock { $0.used } }

    /// Takes `bytes` for `client`, or says why not (and takes nothing).
    package func take(_ bytes: Int, client: String) -> Refusal? {
        guard bytes > 0 else { return nil }
        return state.withLock { s -> Refusal? in
            let mine = s.byClient[client, default: 0]
            if mine + bytes > limits.clientBytesMax { return .clientOverShare }
            if s.used + bytes > limits.bytesMax { return .serverBusy }
            s.used += bytes
            s.byClient[client] = mine + bytes
            return nil
        }
    }

    /// Why `take(bytes, client:)` would fail right now, or nil when it would succeed.
    package func wouldRefuse(_ bytes: Int, client: String) -> Refusal? {
        state.withLock { s -> Refusal? in
            if s.byClient[client, default: 0] + bytes > limits.clientBytesMax { return .clientOverShare }
            if s.used + bytes > limits.bytesMax { return .serverBusy }
            return nil
        }
    }

    /// Gives back `bytes` that `client` took.
    package func give(_ bytes: Int, client: String) {
        guard bytes > 0 else { return }
        state.withLock { s in
            s.used -= bytes
            let left = s.byClient[client, default: 0] - bytes
            s.byClient[client] = left > 0 ? left : nil
        }
    }
}

/// What one request holds of the budget; give it all back with `release()` when answered.
package final class BodyReservation: Sendable {
    private let budget: BodyBudget
    private let client: String
    private let held = Mutex(0)

    package init(budget: BodyBudget, client: String) {
        self.budget = budget
        self.client = client
    }

    /// Bytes this request holds.
    package var bytes: Int { held.withLock { $0 } }

    /// The most any one client's requests may hold together.
    package var bytesMaxPerClient: Int { budget.limits.clientBytesMax }

    /// Takes `bytes` more, or says why not.
    package func grow(by bytes: Int) -> BodyBudget.Refusal? {
        if let refusal = budget.take(bytes, client: client) { return refusal }
        held.withLock { $0 += bytes }
        return nil
    }

    /// Gives back `bytes` of what this request holds (at most all of it).
    package func shrink(by bytes: Int) {
        let given = held.withLock { h in
            let g = min(max(bytes, 0), h)
            h -= g
            return g
        }
        budget.give(given, client: client)
    }

    /// Why `grow(by: bytes)` would fail right now, or nil.
    package func wouldRefuse(_ bytes: Int) -> BodyBudget.Refusal? {
        budget.wouldRefuse(bytes, client: client)
    }

    /// Gives everything back.
    package func release() {
        let bytes = held.withLock { h in
            defer { h = 0 }
            return h
        }
        budget.give(bytes, client: client)
    }

    deinit { release() }
}
