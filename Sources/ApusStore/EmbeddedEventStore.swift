// The default, embedded event store: per-project WAL + memtable + columnar parts, all in the
// data folder. Opening it loads the parts, then replays each project's WAL from its flush mark.
// Flushes and merges run on a background queue; the WAL is trimmed only after the parts and the
// flush mark are durable.

import ApusModel
import Foundation
import Logging
import Synchronization

/// The embedded event store.
package final class EmbeddedEventStore: EventStore {
    package let configuration: StoreConfiguration
    private let logger: Logger
    private let logs = Mutex<[ProjectID: ProjectLog]>([:])
    private let committer: GroupCommitter
    private let background = DispatchQueue(label: "apus-flush")
    private let policy = CompactionPolicy()

    /// Opens the store in `configuration.dataDirectory`, recovering every project found there.
    package init(configuration: StoreConfiguration, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        let box = WeakBox()
        self.committer = GroupCommitter(durability: configuration.durability,
                                        segmentBytesMax: configuration.walSegmentBytesMax,
                                        logger: logger, afterCommit: { logs in box.store?.considerFlush(logs) })
        box.store = self
        do throws(FileError) {
            try FileSystem.makeDirectories(configuration.projectsDirectory)
        } catch {
            throw .io(error)
        }
        for name in FileSystem.list(configuration.projectsDirectory) {
            guard let id = ProjectID(name) else { continue }
            try openProject(id)
        }
    }

    private final class WeakBox: @unchecked Sendable { weak var store: EmbeddedEventStore? }

    package func openProject(_ project: ProjectID) throws(StoreError) {
        if logs.withLock({ $0[project] }) != nil { return }
        let dir = configuration.projectDirectory(project)
        let recovered = try ProjectRecovery.recover(project: project, directory: dir, logger: logger)
        let log = ProjectLog(id: project, directory: dir, wal: recovered.wal, nextSeq: recovered.state.nextSeq, state: recovered.state)
        logs.withLock { $0[project] = $0[project] ?? log }
    }

    private func log(_ project: ProjectID) throws(StoreError) -> ProjectLog {
        guard let log = logs.withLock({ $0[project] }) else { throw .unknownProject(project) }
        return log
    }

    // MARK: Writing

    package func append(events: [Event], to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        try await append(WALPayload(receivedMs: receivedMs, events: events), to: project)
    }

    package func append(updates: [[UInt8]], kind: WALRecordKind, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        try await append(WALPayload(kind: kind, receivedMs: receivedMs, records: updates), to: project)
    }

    private func append(_ payload: WALPayload, to project: ProjectID) async throws(StoreError) -> AppendReceipt {
        let log = try log(project)
        if payload.count == 0 { return AppendReceipt(firstSeq: log.snapshot().nextSeq, count: 0) }
        let result: Result<AppendReceipt, StoreError> = await withCheckedContinuation { continuation in
            committer.submit(PendingAppend(log: log, payload: payload) { continuation.resume(returning: $0) })
        }
        return try result.get()
    }

    // MARK: Flushing and merging

    /// Commit thread, after each round: freezes a full memtable and hands it to the flusher.
    private func considerFlush(_ touched: [ProjectLog]) {
        for log in touched {
            let full = log.state.withLock { s in
                !s.flushInProgress && (s.memtable.rowCount >= configuration.flushRowsMax || s.memtable.byteCount >= configuration.flushBytesMax)
            }
            if full { startFlush(log) }
        }
    }

    /// Commit thread only (it rotates the WAL).
    private func startFlush(_ log: ProjectLog) {
        let boundary = log.nextSeq
        do throws(FileError) {
            try log.wal.rotate(nextSeq: boundary)
        } catch {
            logger.error("WAL rotation before flush failed; flush postponed", metadata: ["project": "\(log.id)", "error": "\(error)"])
            return
        }
        let job: FlushJob = log.state.withLock { s in
            s.flushInProgress = true
            s.flushingChunks = s.memtable.chunks
            let updates = s.updateChunks
            s.memtable = Memtable()
            s.updateChunks = []
            return FlushJob(log: log, chunks: s.flushingChunks, updates: updates, boundary: boundary)
        }
        background.async { [self] in runFlush(job) }
    }

    private func runFlush(_ job: FlushJob) {
        let log = job.log
        let parts: [PartReader]
        do throws(StoreError) {
            parts = try job.run()
        } catch {
            // The chunks stay readable and the WAL untouched: nothing is lost, and the next
            // start replays and flushes them again. Further flushes of this project wait.
            logger.error("flush failed; events stay in memory and in the WAL", metadata: ["project": "\(log.id)", "error": "\(error)"])
            return
        }
        log.state.withLock { s in
            s.parts.append(contentsOf: parts)
            s.flushingChunks = []
            s.flushInProgress = false
        }
        committer.perform {
            do throws(FileError) { try log.wal.trim(below: job.boundary) } catch {
                self.logger.warning("WAL trim failed; retried at the next flush", metadata: ["project": "\(log.id)", "error": "\(error)"])
            }
        }
        for day in Set(parts.map(\.metadata.day)) { compact(log, day: day) }
    }

    /// Merges a day's parts when the policy says so (background queue).
    private func compact(_ log: ProjectLog, day: Int32) {
        let dayParts = log.state.withLock { s in s.parts.filter { $0.metadata.day == day } }
        let candidates = dayParts.map { CompactionPolicy.Candidate(name: $0.url.lastPathComponent, bytes: $0.byteCount, rows: $0.rowCount) }
        guard let plan = policy.plan(candidates) else { return }
        let inputs = dayParts.filter { plan.inputs.contains($0.url.lastPathComponent) }
        do throws(PartError) {
            let merged = try PartMerger.merge(parts: inputs, into: URL(fileURLWithPath: log.partsDirectory))
            let names = Set(inputs.map(\.url.lastPathComponent))
            log.state.withLock { s in
                s.parts.removeAll { names.contains($0.url.lastPathComponent) }
                s.parts.append(merged)
            }
            for p in inputs { try? FileSystem.remove(p.url.path) }
            try? FileSystem.syncDirectory(log.partsDirectory)
            logger.debug("merged parts", metadata: ["project": "\(log.id)", "day": "\(day)", "inputs": "\(inputs.count)", "rows": "\(merged.rowCount)"])
        } catch {
            logger.warning("merge failed; parts left as they were", metadata: ["project": "\(log.id)", "day": "\(day)", "error": "\(error)"])
        }
    }

    /// Flushes every project's memtable now and waits for it (tests, shutdown tooling).
    package func flushAll() {
        let all = logs.withLock { Array($0.values) }
        let done = DispatchSemaphore(value: 0)
        committer.perform { [self] in
            for log in all where log.state.withLock({ !$0.flushInProgress && (!$0.memtable.isEmpty || !$0.updateChunks.isEmpty) }) {
                startFlush(log)
            }
            done.signal()
        }
        done.wait()
        background.sync {}
    }

    // MARK: Reading

    package func snapshot(of project: ProjectID) throws(StoreError) -> ProjectSnapshot {
        try log(project).snapshot()
    }

    package func days(of project: ProjectID, in range: ClosedRange<Int32>) throws(StoreError) -> [Int32] {
        let snap = try snapshot(of: project)
        var days = Set<Int32>()
        for part in snap.parts where range.contains(part.metadata.day) { days.insert(part.metadata.day) }
        for chunk in snap.chunks {
            for t in chunk.timesMs {
                let d = Int32(floorDiv(t, 86_400_000))
                if range.contains(d) { days.insert(d) }
            }
        }
        return days.sorted()
    }

    package func events(of project: ProjectID, days: ClosedRange<Int32>, names: Set<String>?) throws(StoreError) -> [StoredEvent] {
        try ProjectReader(snapshot: try snapshot(of: project)).events(days: days, names: names)
    }

    /// Commits what is queued, finishes running flushes and stops the commit thread. Idempotent.
    package func close() {
        background.sync {}
        committer.stop()
    }

    deinit { committer.stop() }
}
