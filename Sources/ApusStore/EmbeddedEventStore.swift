// The default, embedded event store: per-project WAL + memtable + columnar parts, all in the
// data folder. Opening it loads the parts, then replays each project's WAL from its flush mark.
// Flushes and merges run on a background queue; the WAL is trimmed only after the parts and the
// flush mark are durable.

import ApusStoreCore
import ApusModel
import Foundation
import Logging
import Synchronization

/// The embedded event store.
package final class EmbeddedEventStore: EventStore {
    package let configuration: StoreConfiguration
    /// Decoded column chunks of every project's parts, bounded by `cacheBytesMax`.
    package let cache: BlockCache
    private let logger: Logger
    private let logs = Mutex<[ProjectID: ProjectLog]>([:])
    private let committer: GroupCommitter
    private let background = DispatchQueue(label: "apus-flush")
    /// Lays memtable chunks out as columnar runs and merges runs (one job at a time per store).
    private let indexer = DispatchQueue(label: "apus-memtable-runs")
    private let policy = CompactionPolicy()
    /// Serialises opening projects: two first requests for a new project must not both recover
    /// (and create) its log.
    private let openLock = NSLock()
    /// After a failed flush, no new flush of that project starts before this time (the
    /// configuration's clock, ms).
    private let flushRetryNotBefore = Mutex<[ProjectID: Int64]>([:])

    /// Opens the store in `configuration.dataDirectory`, recovering every project found there.
    package init(configuration: StoreConfiguration, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        self.cache = BlockCache(bytesMax: configuration.cacheBytesMax)
        let box = WeakBox()
        self.committer = GroupCommitter(durability: configuration.durability,
                                        segmentBytesMax: configuration.walSegmentBytesMax,
                                        logger: logger, afterCommit: { logs in box.store?.considerFlush(logs) })
        box.store = self
        do throws(FileError) {
            try configuration.fileSystem.makeDirectories(configuration.projectsDirectory)
        } catch {
            throw .io(error)
        }
        for name in configuration.fileSystem.list(configuration.projectsDirectory) {
            guard let id = ProjectID(name) else { continue }
            try openProject(id)
        }
    }

    private final class WeakBox: @unchecked Sendable { weak var store: EmbeddedEventStore? }

    package func openProject(_ project: ProjectID) throws(StoreError) {
        if logs.withLock({ $0[project] }) != nil { return }
        openLock.lock()
        defer { openLock.unlock() }
        if logs.withLock({ $0[project] }) != nil { return }
        let dir = configuration.projectDirectory(project)
        let recovered = try ProjectRecovery.recover(project: project, directory: dir, fs: configuration.fileSystem, cache: cache, logger: logger)
        let log = ProjectLog(id: project, directory: dir, fs: configuration.fileSystem, userIds: recovered.userIds, cache: cache, wal: recovered.wal, nextSeq: recovered.state.nextSeq, state: recovered.state)
        logs.withLock { $0[project] = log }
    }

    func log(_ project: ProjectID) throws(StoreError) -> ProjectLog {
        guard let log = logs.withLock({ $0[project] }) else { throw .unknownProject(project) }
        return log
    }

    // MARK: Writing

    package func append(records: EventRecords, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        // A record that does not follow the layout would stop the WAL from replaying: refuse it.
        do throws(DecodeFailure) {
            try EventCodec.check(records)
        } catch {
            throw StoreError(.invalidRecord, "an event record is malformed at byte \(error.offset) (\(error.reason)); nothing was stored")
        }
        return try await append(WALPayload(receivedMs: receivedMs, records: records), to: project)
    }

    package func append(updates: [[UInt8]], kind: ProfileUpdateKind, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        let receipt = try await append(WALPayload(kind: WALRecordKind(kind), receivedMs: receivedMs, records: updates), to: project)
        if kind == .deletion {
            // Hidden from every read already; parts holding the rows are rewritten without them.
            let log = try log(project)
            background.async { [self] in purgeDeleted(log) }
        }
        return receipt
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
        let now = configuration.clock.nowMs()
        for log in touched {
            if let notBefore = flushRetryNotBefore.withLock({ $0[log.id] }), now < notBefore { continue }
            let full = log.state.withLock { s in
                !s.flushInProgress && (s.memtable.rowCount >= configuration.flushRowsMax || s.memtable.byteCount >= configuration.flushBytesMax
                    || s.updateRecordCount >= max(1, configuration.flushRowsMax / 4))
            }
            if full { startFlush(log) }
        }
    }

    /// Starts building a run in the background when enough rows wait in the memtable's tail.
    /// Reads call it (`snapshot(of:)`): a project that is only written never pays for runs
    /// (they cost ingestion a third of its throughput when built eagerly), and one that is read
    /// gets them for its next scans.
    private func considerIndexing(_ log: ProjectLog) {
        let job: (generation: UInt64, from: Int, chunks: ArraySlice<MemtableChunk>)? = log.state.withLock { s in
            guard !s.indexing, s.memtable.tailRowCount >= configuration.memtableRunRowsMin else { return nil }
            s.indexing = true
            return (s.memtable.generation, s.memtable.indexedChunks, s.memtable.tail)
        }
        guard let job else { return }
        indexer.async { [self] in buildRun(log, generation: job.generation, from: job.from, chunks: job.chunks) }
    }

    /// Indexer queue: one run from the tail, then merges by tiers: four runs of one tier (size
    /// within a factor of four) become one of the next. A memtable frozen for a flush meanwhile
    /// makes the work moot.
    private func buildRun(_ log: ProjectLog, generation: UInt64, from: Int, chunks: ArraySlice<MemtableChunk>) {
        defer { log.state.withLock { $0.indexing = false } }
        let base = max(1, configuration.memtableRunRowsMin)
        func tier(_ run: MemtableRun) -> Int {
            var t = 0, size = base
            while size * 4 <= run.rowCount { size *= 4; t += 1 }
            return t
        }
        do throws(StoreError) {
            let run = try MemtableRun.build(chunks, userIds: log.userIds)
            var runs: [MemtableRun] = log.state.withLock { s in
                guard s.memtable.generation == generation, s.memtable.addRun(run, from: from, count: chunks.count) else { return [] }
                return s.memtable.runs
            }
            // Runs stop growing at tier 2 (32k–128k rows): each row is copied at most twice, and a
            // full 1M-row memtable is read through a few dozen sources.
            while runs.count >= 4 && tier(runs[runs.count - 4]) <= tier(runs[runs.count - 1]) && tier(runs[runs.count - 1]) < 2 {
                let group = Array(runs.suffix(4))
                let merged = try MemtableRun.merge(group)
                runs = log.state.withLock { s in
                    guard s.memtable.generation == generation, s.memtable.replaceRuns(group, with: merged) else { return [] }
                    return s.memtable.runs
                }
            }
        } catch {
            // Scans still decode those chunks; the next round tries again.
            logger.warning("laying memtable rows out as columns failed", metadata: ["project": "\(log.id)", "error": "\(error)"])
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
            s.flushing = s.memtable
            let updates = s.updateChunks
            s.memtable = Memtable(generation: s.memtable.generation + 1)
            s.updateChunks = []
            var job = FlushJob(log: log, memtable: s.flushing!, updates: updates, boundary: boundary)
            // Facts first seen below the boundary and not logged yet (facts are applied in
            // sequence order, so they are the tail of `ordered` as it stands now).
            job.newLinks = Array(s.identity.ordered[min(s.loggedLinkCount, s.identity.ordered.count)...])
            job.linkCountAfter = s.identity.ordered.count
            // Everything below the boundary is applied to the tables now, nothing past it.
            if s.needsCheckpoint {
                job.checkpoint = (s.profiles, s.identity)
            }
            return job
        }
        background.async { [self] in runFlush(job) }
    }

    private func runFlush(_ job: FlushJob) {
        let log = job.log
        let parts: [BlockPart]
        let checkpointed: Bool
        do throws(StoreError) {
            (parts, checkpointed) = try job.run()
        } catch {
            // Nothing is lost: the WAL is untouched and the frozen records go back in front of
            // the memtable, so a later flush (after a pause) or the next start takes them again.
            logger.error("flush failed; events stay in memory and in the WAL, retrying later", metadata: ["project": "\(log.id)", "error": "\(error)"])
            log.state.withLock { s in
                var memtable = Memtable(generation: s.memtable.generation + 1)
                for chunk in (s.flushing?.chunks ?? []) + s.memtable.chunks { memtable.append(chunk) }
                s.memtable = memtable
                s.updateChunks = job.updates + s.updateChunks
                s.flushing = nil
                s.flushInProgress = false
            }
            flushRetryNotBefore.withLock { $0[log.id] = configuration.clock.nowMs() + configuration.flushRetryDelayMs }
            return
        }
        log.state.withLock { s in
            s.parts.append(contentsOf: parts)
            s.flushing = nil
            s.flushInProgress = false
            if checkpointed, let c = job.checkpoint { s.checkpointed = (c.profiles.appliedCount, c.identity.linkCount) }
            s.loggedLinkCount = max(s.loggedLinkCount, job.linkCountAfter)
        }
        let logger = self.logger
        committer.perform {
            do throws(FileError) { try log.wal.trim(below: job.boundary) } catch {
                logger.warning("WAL trim failed; retried at the next flush", metadata: ["project": "\(log.id)", "error": "\(error)"])
            }
        }
        for day in Set(parts.map(\.day)) { compact(log, day: day) }
    }

    /// Merges every day held by several parts into one part per day, now (after a bulk load, in
    /// tools and benchmarks; the server leaves days to the policy).
    package func compactAll() {
        let all = logs.withLock { Array($0.values) }
        background.sync {
            for log in all {
                let days = log.state.withLock { s in Dictionary(grouping: s.parts, by: \.day).filter { $0.value.count > 1 }.keys.sorted() }
                for day in days { compact(log, day: day, everything: true) }
            }
        }
    }

    /// Merges a day's parts when the policy says so, or all of them (background queue).
    private func compact(_ log: ProjectLog, day: Int32, everything: Bool = false, purging: Bool = false) {
        let (dayParts, deletions) = log.state.withLock { s in (s.parts.filter { $0.day == day }, s.deletions) }
        let candidates = dayParts.map { CompactionPolicy.Candidate(name: $0.path, bytes: $0.byteCount, rows: $0.rowCount) }
        let chosen = everything ? Set(candidates.map(\.name)) : policy.plan(candidates).map { Set($0.inputs) }
        // A purge rewrites even a day of one part (to drop deleted rows).
        guard let chosen, chosen.count > 1 || (purging && chosen.count == 1) else { return }
        let inputs = dayParts.filter { chosen.contains($0.path) }
        // Rows a deletion hides are not copied: a merge deletes them for good.
        let hidden = Self.hidden(deletions, log.userIds)
        do throws(StoreError) {
            let request = MergingCursor.sourceRequest(.everything(days: day...day))
            let sources = inputs.map { EmbeddedSnapshot.dropping(hidden, from: EmbeddedSnapshot.blocks(of: $0, request)) }
            guard let merged = try DayPartWriter.write(project: log.id, day: day, sources: sources,
                                                       directory: log.partsDirectory, fs: log.fs, cache: log.cache) else {
                // Every row was deleted: the inputs go without a successor.
                guard purging else { return }
                let names = Set(inputs.map(\.path))
                log.state.withLock { s in s.parts.removeAll { names.contains($0.path) } }
                for p in inputs {
                    try? log.fs.remove(p.path)
                    p.forgetCached()
                }
                try? log.fs.syncDirectory(log.partsDirectory)
                return
            }
            let names = Set(inputs.map(\.path))
            log.state.withLock { s in
                s.parts.removeAll { names.contains($0.path) }
                s.parts.append(merged)
            }
            // Snapshots taken before keep reading the inputs through their open descriptors.
            for p in inputs {
                try? log.fs.remove(p.path)
                p.forgetCached()
            }
            try? log.fs.syncDirectory(log.partsDirectory)
            logger.debug("merged parts", metadata: ["project": "\(log.id)", "day": "\(day)", "inputs": "\(inputs.count)", "rows": "\(merged.rowCount)"])
        } catch {
            logger.warning("merge failed; parts left as they were", metadata: ["project": "\(log.id)", "day": "\(day)", "error": "\(error)"])
        }
    }

    /// Rewrites every day whose parts hold rows a deletion hides, without them (background
    /// queue; after a deletion request is acknowledged).
    private func purgeDeleted(_ log: ProjectLog) {
        let (parts, deletions) = log.state.withLock { s in (s.parts, s.deletions) }
        let hidden = Self.hidden(deletions, log.userIds)
        guard !hidden.isEmpty else { return }
        var days = Set<Int32>()
        for part in parts where !days.contains(part.day) {
            for uid in hidden.keys where uid <= part.maxUid {
                var probe = ScanRequest(days: part.day...part.day)
                probe.uids = uid..<(uid + 1)
                if !part.blocks(for: probe).isEmpty && part.minSeq < hidden[uid]! {
                    days.insert(part.day)
                    break
                }
            }
        }
        for day in days.sorted() { compact(log, day: day, everything: true, purging: true) }
    }

    /// Waits until the commit thread has finished its round (and so started any flush it
    /// decided on), then for the flush or merge running in the background (tests).
    package func waitForBackgroundWork() {
        let done = DispatchSemaphore(value: 0)
        if committer.perform({ done.signal() }) { done.wait() }
        background.sync {}
        indexer.sync {}
    }

    /// Merges each of `days` held by several parts into one part, now, days on every core (bulk
    /// loading: days are independent, and nothing else writes meanwhile).
    func compact(_ log: ProjectLog, days: Set<Int32>) {
        background.sync {
            let split = log.state.withLock { s in Set(Dictionary(grouping: s.parts, by: \.day).filter { $0.value.count > 1 }.keys) }
            let chosen = days.intersection(split).sorted()
            DispatchQueue.concurrentPerform(iterations: chosen.count) { i in compact(log, day: chosen[i], everything: true) }
        }
    }

    /// Installs parts a bulk load wrote (its mark already at `nextSeq`): readers see them, and
    /// the WAL moves on to `nextSeq` so later appends number after them.
    func installLoaded(_ log: ProjectLog, parts: [BlockPart], nextSeq: UInt64, links: [IdentityLink] = []) {
        log.state.withLock { s in
            s.parts.append(contentsOf: parts)
            s.nextSeq = max(s.nextSeq, nextSeq)
            // The loader logged these facts itself: unless earlier facts still wait for a
            // flush, the log holds everything the graph does.
            let allLogged = s.loggedLinkCount == s.identity.ordered.count
            for link in links { s.identity.apply(link) }
            if allLogged { s.loggedLinkCount = s.identity.ordered.count }
        }
        let done = DispatchSemaphore(value: 0)
        let logger = self.logger
        let accepted = committer.perform {
            log.nextSeq = max(log.nextSeq, nextSeq)
            do throws(FileError) {
                try log.wal.rotate(nextSeq: log.nextSeq)
                try log.wal.trim(below: log.nextSeq)
            } catch {
                logger.warning("WAL rotation after a bulk load failed; retried at the next flush", metadata: ["project": "\(log.id)", "error": "\(error)"])
            }
            done.signal()
        }
        if accepted { done.wait() }
    }

    /// Flushes every project's memtable now and waits for it (tests, shutdown tooling).
    package func flushAll() {
        let all = logs.withLock { Array($0.values) }
        // A flush already running covers only what was frozen when it started: wait for it,
        // then flush the rest (a few rounds at most; a failed flush does not loop forever).
        for _ in 0..<4 {
            background.sync {}
            let done = DispatchSemaphore(value: 0)
            let started = Atomic<Int>(0)
            let accepted = committer.perform { [self] in
                for log in all where log.state.withLock({ !$0.flushInProgress && (!$0.memtable.isEmpty || !$0.updateChunks.isEmpty || $0.needsCheckpoint) }) {
                    startFlush(log)
                    started.add(1, ordering: .relaxed)
                }
                done.signal()
            }
            guard accepted else { return }
            done.wait()
            background.sync {}
            let pending = all.contains { log in log.state.withLock { !$0.memtable.isEmpty || !$0.updateChunks.isEmpty || $0.flushInProgress || $0.needsCheckpoint } }
            if started.load(ordering: .relaxed) == 0 && !pending { return }
        }
    }

    // MARK: Reading

    package func projectSnapshot(of project: ProjectID) throws(StoreError) -> ProjectSnapshot {
        try log(project).snapshot()
    }

    package func snapshot(of project: ProjectID) throws(StoreError) -> any EventSnapshot {
        let log = try log(project)
        considerIndexing(log)
        let s = log.snapshot()
        return EmbeddedSnapshot(project: project, chunks: s.tailChunks, parts: s.parts, userIds: log.userIds, runs: s.runs, currentProfiles: { log.state.withLock { $0.profiles } }, identity: s.identity,
                                 deletions: s.deletions, hidden: Self.hidden(s.deletions, log.userIds))
    }

    package func identity(of project: ProjectID) throws(StoreError) -> IdentityGraph {
        try log(project).state.withLock { $0.identity }
    }

    /// The uids deletions hide, and below which sequence number.
    static func hidden(_ deletions: DataDeletions, _ userIds: UserIdDictionary) -> [UInt32: UInt64] {
        var out: [UInt32: UInt64] = [:]
        for (id, seq) in deletions.tombstones {
            if let uid = userIds.uid(of: id) { out[uid] = max(out[uid] ?? 0, seq) }
        }
        return out
    }

    /// The project's events on `days` as plain values, in scan order (tests and tools; queries
    /// read blocks).
    package func events(of project: ProjectID, days: ClosedRange<Int32>, names: Set<String>?) throws(StoreError) -> [StoredEvent] {
        let snapshot = try snapshot(of: project)
        let cursor = try snapshot.scan(.everything(days: days, eventNames: names))
        var out: [StoredEvent] = []
        while let b = try cursor.next() {
            for r in 0..<b.count {
                var props: [JSONMember] = []
                for k in b.keyOrder!.shapes[Int(b.keyOrder!.shapeOfRow[r])] {
                    if let v = b.properties[Int(k)].value(at: r) { props.append(JSONMember(b.propertyKeys[Int(k)], v)) }
                }
                out.append(StoredEvent(seq: b.seqs[r], event: Event(
                    name: b.names[Int(b.nameIds[r])], distinctId: snapshot.distinctId(of: b.uids[r]), timeMs: b.timesMs[r],
                    insertId: b.insertIds[r], properties: props)))
            }
        }
        return out
    }

    /// Commits what is queued and stops the commit thread, then lets running flushes finish
    /// (in that order: the last commit round may start a flush). Idempotent.
    package func close() {
        committer.stop()
        background.sync {}
        indexer.sync {}
    }

    deinit { committer.stop() }
}
