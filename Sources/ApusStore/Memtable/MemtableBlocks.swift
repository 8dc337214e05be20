// The memtable's rows of one day as blocks, so that scans read them with the same code as
// parts: events decoded from their records, given uids (provisional until the next flush),
// sorted by (uid, time, seq). Not yet deduplicated (MergingCursor does that).

import ApusModel
import ApusStoreCore

enum MemtableBlocks {
    /// The UTC days in `range` on which `chunks` hold rows.
    static func days(_ chunks: [MemtableChunk], in range: ClosedRange<Int32>) -> Set<Int32> {
        var days = Set<Int32>()
        for chunk in chunks {
            for t in chunk.timesMs {
                let d = utcDay(ofTimeMs: t)
                if range.contains(d) { days.insert(d) }
            }
        }
        return days
    }

    /// The rows of `day` that `request` keeps, as sorted blocks with its columns.
    static func blocks(_ chunks: [MemtableChunk], day: Int32, request: ScanRequest, userIds: UserIdDictionary) throws(StoreError) -> [EventBlock] {
        let lo = Int64(day) * 86_400_000, hi = lo + 86_400_000
        var events: [StoredEvent] = []
        do throws(DecodeFailure) {
            for chunk in chunks {
                for i in 0..<chunk.count where chunk.timesMs[i] >= lo && chunk.timesMs[i] < hi {
                    if let range = request.timeMs, !range.contains(chunk.timesMs[i]) { continue }
                    let e = try chunk.event(at: i)
                    if let names = request.eventNames, !names.contains(e.event.name) { continue }
                    events.append(e)
                }
            }
        } catch {
            throw StoreError(.memtableDamaged, "an event in memory could not be decoded (\(error.reason)); restart the server to reload it from the WAL")
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
