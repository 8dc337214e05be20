// Execution policy for reports, in one place: a scan is split by UTC day, and each of the
// machine's cores takes the next unscanned day until none is left. A kernel sees one block at
// a time and folds it into its own partial state; partial states are merged at the end, so
// kernels never share memory or take locks.

import ApusStoreCore
import Foundation
import Synchronization

/// How a report's scan runs: on how many cores, and until when.
package struct ScanPolicy: Sendable {
    package var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Seconds a query may run; nil for no limit.
    package var durationMaxSeconds: Double?
    /// When the query started (`DispatchTime` nanoseconds).
    package var startNs = DispatchTime.now().uptimeNanoseconds
    /// Who is who: blocks' uids are rewritten to the users they count as before any kernel
    /// sees them (nothing to do when the project merged no identities).
    package var identity = IdentityResolution()

    package init(durationMaxSeconds: Double? = nil, identity: IdentityResolution = IdentityResolution()) {
        self.durationMaxSeconds = durationMaxSeconds
        self.identity = identity
    }

    var deadlineNs: UInt64? { durationMaxSeconds.map { startNs + UInt64(max(0, $0) * 1e9) } }
}

/// Runs a per-block fold over the days of a request on every core.
package enum DayScan {
    /// Folds every block `request` delivers (its `days` split into single days) into a state
    /// per worker made by `makeState`; returns the workers' states.
    package static func run<State>(
        _ snapshot: any EventSnapshot, _ request: ScanRequest, policy: ScanPolicy = ScanPolicy(),
        makeState: () -> State, fold: @escaping @Sendable (inout State, EventBlock) -> Void
    ) throws(ReportError) -> [State] {
        let days = snapshot.days(in: request.days)
        let workerCount = max(1, min(policy.workers, days.count))
        let deadline = policy.deadlineNs
        let late = Atomic<Bool>(false)
        let slots = Slots((0..<workerCount).map { _ in makeState() })
        let next = Atomic<Int>(0)
        let identity = policy.identity
        DispatchQueue.concurrentPerform(iterations: workerCount) { w in
            // Each worker owns slot `w`; the slots are read after every worker has returned.
            do throws(StoreError) {
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < days.count else { break }
                    var one = request
                    one.days = days[i]...days[i]
                    let cursor = try snapshot.scan(one)
                    while var block = try cursor.next() {
                        if !identity.isEmpty && !block.uids.isEmpty { identity.apply(to: &block.uids) }
                        fold(&slots.states[w], block)
                        if let deadline, DispatchTime.now().uptimeNanoseconds > deadline {
                            late.store(true, ordering: .relaxed)
                        }
                        if late.load(ordering: .relaxed) { return }
                    }
                }
            } catch {
                slots.errors[w] = error
            }
        }
        if late.load(ordering: .relaxed) {
            throw ReportError(.timedOut, "the query ran longer than \(Int(policy.durationMaxSeconds ?? 0)) s and was stopped; ask for a shorter date range or fewer events")
        }
        if let error = (0..<slots.count).compactMap({ slots.errors[$0] }).first {
            throw ReportError(.storeFailed, "reading events failed: \(error.message)", cause: error)
        }
        return slots.take()
    }

    /// One state per worker, each written only by its worker (separate memory, no shared
    /// array header).
    private final class Slots<State>: @unchecked Sendable {
        let states: UnsafeMutablePointer<State>
        let errors: UnsafeMutablePointer<StoreError?>
        let count: Int

        init(_ initial: [State]) {
            count = initial.count
            states = .allocate(capacity: count)
            states.initialize(from: initial, count: count)
            errors = .allocate(capacity: count)
            errors.initialize(repeating: nil, count: count)
        }

        func take() -> [State] { (0..<count).map { states[$0] } }

        deinit {
            states.deinitialize(count: count)
            states.deallocate()
            errors.deinitialize(count: count)
            errors.deallocate()
        }
    }
}
