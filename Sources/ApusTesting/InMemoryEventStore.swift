// The simplest EventStore that can be right: every event in an array, deduplicated and sorted
// from scratch on each scan. The reference the embedded store's behaviour tests compare with,
// and a store for tests that need one without files.

import ApusModel
import ApusStoreCore
import Synchronization

/// An `EventStore` held in memory.
package final class InMemoryEventStore: EventStore {
    private struct Project {
        var events: [StoredEvent] = []
        var ids: [String] = []
        var uidOf: [String: UInt32] = [:]
        var updates = 0
        var profiles = ProfileTables()
        var identity = IdentityGraph()
        var deletions = DataDeletions()
    }

    private let projects = Mutex<[ProjectID: Project]>([:])
    private let nextSeq = Mutex<UInt64>(1)

    package init() {}

    package func openProject(_ project: ProjectID) throws(StoreError) {
        projects.withLock { if $0[project] == nil { $0[project] = Project() } }
    }

    package func append(records: EventRecords, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        let events: [Event]
        do throws(DecodeFailure) {
            events = try records.events()
        } catch {
            throw StoreError(.invalidRecord, "record \(error.offset) could not be decoded: \(error.reason)")
        }
        let first = nextSeq.withLock { s in defer { s += UInt64(events.count) }; return s }
        try projects.withLock { (all: inout [ProjectID: Project]) throws(StoreError) in
            guard var p = all[project] else { throw StoreError.unknownProject(project) }
            for (i, e) in events.enumerated() {
                if p.uidOf[e.distinctId] == nil {
                    p.uidOf[e.distinctId] = UInt32(p.ids.count)
                    p.ids.append(e.distinctId)
                }
                p.events.append(StoredEvent(seq: first + UInt64(i), event: e))
                for link in IdentityLink.links(in: e) { p.identity.apply(link) }
            }
            all[project] = p
        }
        return AppendReceipt(firstSeq: first, count: events.count)
    }

    package func append(updates: [[UInt8]], kind: ProfileUpdateKind, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        let first = nextSeq.withLock { s in defer { s += UInt64(updates.count) }; return s }
        try projects.withLock { (all: inout [ProjectID: Project]) throws(StoreError) in
            guard all[project] != nil else { throw StoreError.unknownProject(project) }
            all[project]!.updates += updates.count
            // New user profiles are numbered like new distinct ids of events.
            var p = all[project]!
            if kind == .deletion {
                for (j, u) in updates.enumerated() {
                    if let task = p.deletions.apply(u, seq: first + UInt64(j)) { p.profiles.deleteUsers(task.ids) }
                }
                all[project] = p
                return
            }
            var uidOf = p.uidOf, ids = p.ids
            for u in updates {
                p.profiles.apply(u, kind: kind, receivedMs: receivedMs) { id in
                    if let uid = uidOf[id] { return uid }
                    uidOf[id] = UInt32(ids.count)
                    ids.append(id)
                    return UInt32(ids.count - 1)
                }
            }
            p.uidOf = uidOf
            p.ids = ids
            all[project] = p
        }
        return AppendReceipt(firstSeq: first, count: updates.count)
    }

    package func snapshot(of project: ProjectID) throws(StoreError) -> any EventSnapshot {
        guard let p = projects.withLock({ $0[project] }) else { throw StoreError.unknownProject(project) }
        return InMemorySnapshot(project: project, events: p.events, ids: p.ids, uidOf: p.uidOf, profiles: p.profiles, identity: p.identity,
                                deletions: p.deletions)
    }

    package func close() {}
}

/// A snapshot of the in-memory store.
struct InMemorySnapshot: EventSnapshot {
    let project: Int64
    let events: [StoredEvent]
    let ids: [String]
    let uidOf: [String: UInt32]
    let profiles: ProfileTables
    let identity: IdentityGraph
    let deletions: DataDeletions

    func days(in range: ClosedRange<Int32>) -> [Int32] {
        Set(events.map(\.day).filter(range.contains)).sorted()
    }

    func distinctId(of uid: UInt32) -> String { ids[Int(uid)] }

    func uid(of distinctId: String) -> UInt32? { uidOf[distinctId] }

    /// Dedupe (same name, distinct id, second and insert id: the latest seq wins), filter, sort
    /// by (day, uid, time, seq), and cut into blocks per day.
    func scan(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor {
        struct Key: Hashable { var name: String, distinctId: String, second: Int64, insertId: String }
        var latest: [Key: StoredEvent] = [:]
        for e in events {
            if let bound = deletions.tombstones[e.event.distinctId], e.seq < bound { continue }
            let key = Key(name: e.event.name, distinctId: e.event.distinctId, second: e.timeSecond, insertId: e.event.insertId)
            if let kept = latest[key], kept.seq > e.seq { continue }
            latest[key] = e
        }
        let wantedNames = request.eventNames.map { Set($0.map(ExactText.init)) }
        let rows = latest.values.filter { e in
            request.days.contains(e.day)
                && (wantedNames?.contains(ExactText(e.event.name)) ?? true)
                && (request.timeMs?.contains(e.event.timeMs) ?? true)
                && (request.uids?.contains(uidOf[e.event.distinctId]!) ?? true)
        }.sorted { a, b in
            (a.day, uidOf[a.event.distinctId]!, a.event.timeMs, a.seq) < (b.day, uidOf[b.event.distinctId]!, b.event.timeMs, b.seq)
        }
        var blocks: [EventBlock] = []
        var builder: EventBlockBuilder? = nil
        for e in rows {
            if builder == nil || builder!.day != e.day || builder!.isFull {
                if let b = builder { blocks.append(b.build()) }
                builder = EventBlockBuilder(day: e.day, request: request)
            }
            builder!.append(uid: uidOf[e.event.distinctId]!, seq: e.seq, event: e.event)
        }
        if let b = builder { blocks.append(b.build()) }
        return .over(blocks)
    }
}
