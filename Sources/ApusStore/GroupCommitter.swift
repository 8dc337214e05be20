// The group commit: request handlers enqueue encoded payloads; one dedicated thread takes
// everything queued, appends it with one write per project, fsyncs each touched log once,
// publishes the frames to the memtables and only then resumes the waiting handlers.
// fsync blocks, so this runs on its own thread, never on Swift's cooperative pool.

import ApusStoreCore
import Foundation
import Logging

/// A payload waiting to be made durable.
package struct PendingAppend: @unchecked Sendable {
    package var log: ProjectLog
    package var payload: WALPayload
    package var completion: @Sendable (Result<AppendReceipt, StoreError>) -> Void
}

/// Runs the commit loop on a dedicated thread.
package final class GroupCommitter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PendingAppend] = []
    /// Bytes queued and not yet committed; past `queuedBytesMax` new appends are refused
    /// (the server answers 429 with Retry-After) instead of growing memory without bound.
    private var queuedBytes = 0
    private let queuedBytesMax: Int
    /// Work that must run on the commit thread (WAL rotation and trimming), after the next round.
    private var chores: [@Sendable () -> Void] = []
    private var stopping = false
    private var stopped = false
    private let durability: Durability
    private let segmentBytesMax: Int
    private let logger: Logger
    private var thread: Thread?
    /// Called on the commit thread after each round with the logs it touched.
    private let afterCommit: @Sendable ([ProjectLog]) -> Void

    package init(durability: Durability, segmentBytesMax: Int, queuedBytesMax: Int = 256 << 20, logger: Logger,
                 afterCommit: @escaping @Sendable ([ProjectLog]) -> Void) {
        self.durability = durability
        self.segmentBytesMax = segmentBytesMax
        self.queuedBytesMax = queuedBytesMax
        self.logger = logger
        self.afterCommit = afterCommit
        // The thread holds the committer until stop() ends the loop (the store calls it on close and in deinit).
        let t = Thread { self.run() }
        t.name = "apus-commit"
        t.qualityOfService = .userInitiated
        thread = t
        t.start()
    }

    /// Queues `pending`; its completion runs once the frame is durable (or failed).
    package func submit(_ pending: PendingAppend) {
        condition.lock()
        if stopping {
            condition.unlock()
            pending.completion(.failure(StoreError(.storeClosing, "the store is shutting down; retry shortly")))
            return
        }
        if queuedBytes > 0 && queuedBytes + pending.payload.bytes.count > queuedBytesMax {
            condition.unlock()
            pending.completion(.failure(.overloaded))
            return
        }
        queuedBytes += pending.payload.bytes.count
        queue.append(pending)
        condition.signal()
        condition.unlock()
    }

    /// Runs `work` on the commit thread between commit rounds. Returns false (and drops the
    /// work) once the committer is stopping.
    @discardableResult
    package func perform(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping || stopped { return false }
        chores.append(work)
        condition.signal()
        return true
    }

    /// Commits what is queued, then stops the thread.
    package func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        // Called from the commit thread itself (the store released there): it finishes the
        // loop on its own; waiting here would wait for ourselves.
        if Thread.current !== thread {
            while !stopped { condition.wait() }
        }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && chores.isEmpty && !stopping { condition.wait() }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            queuedBytes = 0
            let work = chores
            chores.removeAll()
            let finished = batch.isEmpty && work.isEmpty && stopping
            condition.unlock()
            if finished { break }
            if !batch.isEmpty { commit(batch) }
            for w in work { w() }
        }
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func commit(_ batch: [PendingAppend]) {
        // Group by project, keeping arrival order within each.
        var order: [ObjectIdentifier] = []
        var groups: [ObjectIdentifier: [PendingAppend]] = [:]
        for p in batch {
            let key = ObjectIdentifier(p.log)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(p)
        }
        var touched: [ProjectLog] = []
        var completions: [() -> Void] = []
        for key in order {
            let items = groups[key]!
            let log = items[0].log
            if log.failed.load(ordering: .relaxed) {
                for p in items { completions.append { p.completion(.failure(.unavailable)) } }
                continue
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(items.reduce(0) { $0 + $1.payload.bytes.count + WALPayload.overheadBytes })
            var assigned: [(payload: WALPayload, firstSeq: UInt64)] = []
            var seq = log.nextSeq
            for p in items {
                bytes.append(contentsOf: p.payload.frame(firstSeq: seq))
                assigned.append((p.payload, seq))
                seq += UInt64(p.payload.count)
            }
            do throws(WriteAheadLog.AppendFailure) {
                try log.wal.append(bytes)
            } catch {
                switch error {
                case .undone(let e):
                    // Cut back to the last whole frame: the log is intact; these requests fail (503).
                    logger.error("WAL write failed and was undone", metadata: ["project": "\(log.id)", "error": "\(e)"])
                    for p in items { completions.append { p.completion(.failure(.io(e))) } }
                case .stuck(let e):
                    logger.error("WAL write failed and could not be undone; project stops accepting data", metadata: ["project": "\(log.id)", "error": "\(e)"])
                    log.failed.store(true, ordering: .relaxed)
                    for p in items { completions.append { p.completion(.failure(.io(e))) } }
                }
                continue
            }
            if durability == .durable {
                do throws(FileError) { try log.wal.sync() } catch {
                    // After a failed fsync the kernel may have dropped the dirty pages: nothing
                    // written since the last good fsync can be trusted, so stop taking data.
                    logger.error("WAL fsync failed; project stops accepting data", metadata: ["project": "\(log.id)", "error": "\(error)"])
                    log.failed.store(true, ordering: .relaxed)
                    for p in items { completions.append { p.completion(.failure(.io(error))) } }
                    continue
                }
            }
            log.nextSeq = seq
            log.apply(assigned)
            touched.append(log)
            for (p, a) in zip(items, assigned) {
                let receipt = AppendReceipt(firstSeq: a.firstSeq, count: a.payload.count)
                completions.append { p.completion(.success(receipt)) }
            }
        }
        for c in completions { c() }
        for log in touched {
            if durability == .relaxed {
                do throws(FileError) { try log.wal.sync() } catch {
                    logger.error("WAL fsync failed; project stops accepting data", metadata: ["project": "\(log.id)", "error": "\(error)"])
                    log.failed.store(true, ordering: .relaxed)
                }
            }
            if log.wal.currentBytes >= segmentBytesMax {
                do throws(FileError) { try log.wal.rotate(nextSeq: log.nextSeq) } catch {
                    // Writing goes on into the current segment; rotation is retried next round.
                    logger.warning("WAL rotation failed", metadata: ["project": "\(log.id)", "error": "\(error)"])
                }
            }
        }
        if !touched.isEmpty { afterCommit(touched) }
    }
}
