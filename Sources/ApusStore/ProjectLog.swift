// Everything the store holds for one project: its WAL (touched only by the commit thread),
// and the readable state (memtable, chunks being flushed, parts) behind a lock that readers
// hold only to copy a snapshot.

import ApusModel
import ApusStoreCore
import Synchronization

/// What readers see of a project at one moment. Immutable.
package struct ProjectSnapshot: Sendable {
    package var project: ProjectID
    /// Events not yet in parts: the memtable and any chunks being flushed.
    package var chunks: [MemtableChunk]
    /// Those of them laid out as columns already.
    package var runs: [MemtableRun]
    /// The rest of them (still records).
    package var tailChunks: [MemtableChunk]
    /// Immutable columnar parts.
    package var parts: [BlockPart]
    /// Sequence number the next append will get (everything below is visible).
    package var nextSeq: UInt64
    /// Profiles with every acknowledged update applied.
    package var profiles: ProfileTables
    /// The identity facts of every acknowledged event.
    package var identity: IdentityGraph
    /// Every deletion request, and the rows they hide.
    package var deletions: DataDeletions
}

/// The readable state of a project.
package struct ProjectState: Sendable {
    package var memtable = Memtable()
    /// Profile and group updates since the last flush, in arrival order.
    package var updateChunks: [(kind: WALRecordKind, chunk: MemtableChunk)] = []
    /// The memtable frozen for a flush that has not installed its parts yet (still readable).
    package var flushing: Memtable? = nil
    package var flushInProgress = false
    /// A run of the memtable is being built or merged in the background.
    package var indexing = false
    package var parts: [BlockPart] = []
    package var nextSeq: UInt64 = 1
    /// Every acknowledged profile and group update applied, in sequence order.
    package var profiles = ProfileTables()
    /// The identity facts of every acknowledged event, in sequence order.
    package var identity = IdentityGraph()
    /// GDPR/CCPA deletions, in sequence order.
    package var deletions = DataDeletions()
    /// Updates and facts the last checkpoint holds (a flush writes a new one when they differ).
    package var checkpointed: (updates: Int, links: Int) = (0, 0)
    /// The first this many facts of `identity.ordered` are in the update log: a flush logs only
    /// those after them (a fact every event of a signed-in user repeats is logged once, not
    /// once per flush).
    package var loggedLinkCount = 0

    /// The profile tables or the identity graph changed since the last checkpoint.
    package var needsCheckpoint: Bool { checkpointed != (profiles.appliedCount, identity.linkCount) }

    /// Profile updates waiting for a flush (a flush moves them to the update log, so a project
    /// written only through /engage does not replay an ever longer WAL at open).
    package var updateRecordCount: Int { updateChunks.reduce(0) { $0 + $1.chunk.count } }
}

/// One project's log and state.
package final class ProjectLog: Sendable {
    package let id: ProjectID
    package let directory: String
    package let fs: any FileSystem
    /// Distinct id → uid (provisional for memtable rows, durable from the flush on).
    package let userIds: UserIdDictionary
    /// The store's cache of decoded column chunks.
    package let cache: BlockCache
    /// Written only by the commit thread.
    nonisolated(unsafe) package let wal: WriteAheadLog
    /// Next sequence number to assign: commit thread only.
    nonisolated(unsafe) package var nextSeq: UInt64
    /// Set when a write failed and could not be undone: appends are refused from then on.
    package let failed = Atomic<Bool>(false)
    package let state: Mutex<ProjectState>

    package init(id: ProjectID, directory: String, fs: any FileSystem, userIds: UserIdDictionary, cache: BlockCache, wal: WriteAheadLog, nextSeq: UInt64, state: ProjectState) {
        self.id = id
        self.directory = directory
        self.fs = fs
        self.userIds = userIds
        self.cache = cache
        self.wal = wal
        self.nextSeq = nextSeq
        self.state = Mutex(state)
    }

    package var partsDirectory: String { directory + "/parts" }

    package func snapshot() -> ProjectSnapshot {
        state.withLock { s in
            let memtables = [s.flushing, s.memtable].compactMap { $0 }
            return ProjectSnapshot(project: id, chunks: memtables.flatMap(\.chunks), runs: memtables.flatMap(\.runs),
                                   tailChunks: memtables.flatMap(\.tail), parts: s.parts, nextSeq: s.nextSeq, profiles: s.profiles, identity: s.identity,
                                   deletions: s.deletions)
        }
    }

    /// Applies durable frames to the readable state.
    package func apply(_ items: [(payload: WALPayload, firstSeq: UInt64)]) {
        let chunks = items.map { item in
            MemtableChunk(firstSeq: item.firstSeq, receivedMs: item.payload.receivedMs,
                          bytes: item.payload.bytes, ranges: item.payload.recordRanges)
        }
        // Identity facts are read before the lock (most events hold none).
        let links = zip(items, chunks).map { item, chunk in item.payload.kind == .events ? chunk.identityLinks() : [] }
        userIds.number(links.joined())
        state.withLock { s in
            for (i, item) in items.enumerated() {
                let chunk = chunks[i]
                if item.payload.kind == .events {
                    s.memtable.append(chunk)
                    for link in links[i] { s.identity.apply(link) }
                } else {
                    s.updateChunks.append((item.payload.kind, chunk))
                    s.profiles.apply(item.payload, firstSeq: item.firstSeq, userIds: userIds)
                    if item.payload.kind == .deletions {
                        for (j, range) in item.payload.recordRanges.enumerated() {
                            s.applyDeletion(item.payload.bytes[range], seq: item.firstSeq + UInt64(j), userIds: userIds, profiles: true)
                        }
                    }
                }
                s.nextSeq = max(s.nextSeq, item.firstSeq + UInt64(item.payload.count))
            }
        }
    }
}

extension ProfileTables {
    /// Applies the updates of a frame's payload; new user profiles get uids from `userIds`.
    mutating func apply(_ payload: WALPayload, firstSeq: UInt64, userIds: UserIdDictionary) {
        guard let kind = payload.kind.profileKind else { return }
        let uid = userIds.numbering
        for range in payload.recordRanges { apply(payload.bytes[range], kind: kind, receivedMs: payload.receivedMs, uid: uid) }
    }

    /// Applies the updates of a frame read back from a log.
    mutating func apply(_ frame: WALFrame, userIds: UserIdDictionary) {
        guard let kind = frame.kind.profileKind else { return }
        let uid = userIds.numbering
        for record in frame.records { apply(record, kind: kind, receivedMs: frame.receivedMs, uid: uid) }
    }
}

extension ProjectState {
    /// Applies a logged deletion request: its ids get uids (so memtable rows are found by
    /// them), their profiles go unless `profiles` is false (a checkpoint already holds that).
    mutating func applyDeletion(_ bytes: some Collection<UInt8>, seq: UInt64, userIds: UserIdDictionary, profiles applyProfiles: Bool) {
        guard let task = deletions.apply(bytes, seq: seq) else { return }
        userIds.number(ids: task.ids)
        if applyProfiles { profiles.deleteUsers(task.ids) }
    }
}

extension IdentityGraph {
    /// Applies the facts of an identity frame read back from the update log.
    mutating func apply(_ frame: WALFrame) {
        guard frame.kind == .identityLinks else { return }
        for record in frame.records {
            if let link = IdentityLink(json: record) { apply(link) }
        }
    }
}

extension MemtableChunk {
    /// The identity facts of this chunk's events, in order.
    package func identityLinks() -> [IdentityLink] {
        bytes.withUnsafeBytes { buf in
            ranges.flatMap { IdentityLink.links(inRecord: UnsafeRawBufferPointer(rebasing: buf[$0])) }
        }
    }
}

extension WALRecordKind {
    /// The profile kind of an update frame; nil for events and identity facts.
    var profileKind: ProfileUpdateKind? {
        switch self {
        case .events, .identityLinks, .deletions: nil
        case .userUpdates: .user
        case .groupUpdates: .group
        }
    }
}

extension UserIdDictionary {
    /// Gives every id of `links` a uid (provisional until the next flush), so that a query can
    /// map each merged id to its cluster before it scans (memtable rows get theirs when read).
    package func number(_ links: some Sequence<IdentityLink>) {
        for link in links { number(ids: link.ids) }
    }

    /// Gives each of `ids` a uid.
    package func number(ids: some Sequence<String>) {
        for id in ids { _ = try? uids(for: [id]) }
    }

    /// The uid of an id, numbered if new (provisional until the next flush): user profiles get
    /// theirs when created, so a scan's uids find their profile rows.
    package var numbering: (String) -> UInt32? {
        { [self] id in (try? uids(for: [id]))?.first }
    }
}

extension IdentityLink {
    /// The ids the fact names.
    var ids: [String] {
        switch self {
        case .deviceUser(let d, let u): [d, u]
        case .identify(let a, let i): [a, i]
        case .alias(let a, let d): [a, d]
        case .merge(let a, let b): [a, b]
        }
    }
}
