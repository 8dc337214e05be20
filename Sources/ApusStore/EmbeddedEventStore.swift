// The default, embedded event store: per-project WAL + memtable (+ columnar parts), all in the
// data folder. Opening it replays every project's log.

import ApusModel
import Logging
import Synchronization

/// The embedded event store.
package final class EmbeddedEventStore: EventStore {
    package let configuration: StoreConfiguration
    private let logger: Logger
    private let logs = Mutex<[ProjectID: ProjectLog]>([:])
    private let committer: GroupCommitter

    /// Opens the store in `configuration.dataDirectory`, recovering every project found there.
    package init(configuration: StoreConfiguration, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        self.committer = GroupCommitter(durability: configuration.durability,
                                        segmentBytesMax: configuration.walSegmentBytesMax,
                                        logger: logger, afterCommit: { _ in })
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

    package func openProject(_ project: ProjectID) throws(StoreError) {
        if logs.withLock({ $0[project] }) != nil { return }
        let dir = configuration.projectDirectory(project)
        let recovery = try WriteAheadLog.open(directory: dir + "/wal", logger: logger)
        var state = ProjectState()
        var nextSeq: UInt64 = recovery.log.currentFirstSeq
        for frame in recovery.frames {
            let chunk = MemtableChunk(firstSeq: frame.firstSeq, records: frame.records)
            if frame.kind == .events { state.memtable.append(chunk) } else { state.updateChunks.append((frame.kind, chunk)) }
            nextSeq = max(nextSeq, frame.firstSeq + UInt64(frame.records.count))
        }
        state.nextSeq = nextSeq
        if !recovery.frames.isEmpty || recovery.droppedBytes > 0 {
            logger.info("project log recovered", metadata: [
                "project": "\(project)", "frames": "\(recovery.frames.count)",
                "events": "\(state.memtable.rowCount)", "droppedBytes": "\(recovery.droppedBytes)",
            ])
        }
        let log = ProjectLog(id: project, directory: dir, wal: recovery.log, nextSeq: nextSeq, state: state)
        logs.withLock { $0[project] = $0[project] ?? log }
    }

    private func log(_ project: ProjectID) throws(StoreError) -> ProjectLog {
        guard let log = logs.withLock({ $0[project] }) else { throw .unknownProject(project) }
        return log
    }

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

    package func snapshot(of project: ProjectID) throws(StoreError) -> ProjectSnapshot {
        try log(project).snapshot()
    }

    package func days(of project: ProjectID, in range: ClosedRange<Int32>) throws(StoreError) -> [Int32] {
        let snap = try snapshot(of: project)
        var days = Set<Int32>()
        for chunk in snap.chunks {
            for t in chunk.timesMs {
                let d = Int32(floorDiv(t, 86_400_000))
                if range.contains(d) { days.insert(d) }
            }
        }
        return days.sorted()
    }

    package func events(of project: ProjectID, days: ClosedRange<Int32>, names: Set<String>?) throws(StoreError) -> [StoredEvent] {
        let snap = try snapshot(of: project)
        do throws(DecodeFailure) {
            var sorted = try Memtable.sortedEvents(in: snap.chunks, days: days)
            if let names { sorted.removeAll { !names.contains($0.event.name) } }
            return Deduplication.dedupeSorted(sorted)
        } catch {
            throw StoreError(code: "memtable_damaged", message: "an event in memory could not be decoded (\(error.reason)); restart the server to reload it from the log")
        }
    }

    /// Commits what is queued and stops the commit thread. Idempotent.
    package func close() {
        committer.stop()
    }

    deinit { committer.stop() }
}
