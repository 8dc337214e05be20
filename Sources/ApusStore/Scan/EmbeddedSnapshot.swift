// The embedded store's scan, until parts are read block by block: each day's events are merged
// and deduplicated as before, given uids (provisional ones for events not yet flushed), sorted
// by (uid, time, seq) and cut into blocks holding only the columns the request asked for.

import ApusModel
import ApusStoreCore

/// A project snapshot of the embedded store, read through the scan API.
package struct EmbeddedSnapshot: EventSnapshot {
    package let reader: ProjectReader
    package let userIds: UserIdDictionary

    package var project: Int64 { reader.snapshot.project }

    package func days(in range: ClosedRange<Int32>) -> [Int32] { reader.days(in: range) }

    package func distinctId(of uid: UInt32) -> String { userIds.distinctId(of: uid) }

    package func uid(of distinctId: String) -> UInt32? { userIds.uid(of: distinctId) }

    package func scan(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor {
        var days = reader.days(in: request.days)[...]
        var pending: [EventBlock] = []
        return EventBlockCursor { () throws(StoreError) -> EventBlock? in
            while pending.isEmpty, let day = days.popFirst() {
                pending = try blocks(day: day, request).reversed()
            }
            return pending.popLast()
        }
    }

    /// One day's blocks.
    private func blocks(day: Int32, _ request: ScanRequest) throws(StoreError) -> [EventBlock] {
        var events: [StoredEvent] = []
        for e in try reader.iterator(day: day) {
            if let names = request.eventNames, !names.contains(e.event.name) { continue }
            if let range = request.timeMs, !range.contains(e.event.timeMs) { continue }
            events.append(e)
        }
        let uids = try userIds.uids(for: events.map(\.event.distinctId))
        var order = events.indices.filter { request.uids?.contains(uids[$0]) ?? true }
        order.sort { a, b in
            (uids[a], events[a].event.timeMs, events[a].seq) < (uids[b], events[b].event.timeMs, events[b].seq)
        }
        var out: [EventBlock] = []
        var builder = EventBlockBuilder(day: day, request: request)
        for i in order {
            builder.append(uid: uids[i], seq: events[i].seq, event: events[i].event)
            if builder.isFull {
                out.append(builder.build())
                builder = EventBlockBuilder(day: day, request: request)
            }
        }
        if builder.count > 0 { out.append(builder.build()) }
        return out
    }
}
