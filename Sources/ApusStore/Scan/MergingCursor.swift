// One day's rows from several sorted sources (parts, memtable rows) as one sorted stream, with
// Mixpanel's dedupe applied: rows with the same event name, user, second and `$insert_id`
// count once, and the copy ingested last (highest seq) is the one kept. Sources are sorted by
// (uid, time, seq), so duplicates always fall in the same (uid, second) group of the merged
// stream; groups are resolved as they close.

import ApusModel
import ApusStoreCore

/// Merges sorted block sources of one day into deduplicated output blocks.
final class MergingCursor {
    private struct Source {
        let cursor: EventBlockCursor
        var block: EventBlock?
        var row = 0
        var token = 0
    }

    private struct Entry {
        var source: Int
        var row: Int
        var token: Int
    }

    private var sources: [Source]
    /// Blocks rows of the open group may point into, by token.
    private var blocks: [Int: EventBlock] = [:]
    private var nextToken = 0
    private var copier: BlockRowCopier
    private var group: [Entry] = []
    private var groupKey: (UInt32, Int64)? = nil
    private var ready: [EventBlock] = []
    private var finished = false
    private let day: Int32
    private let request: ScanRequest

    /// The request each source must be scanned with: the caller's, plus the seqs and insert
    /// ids dedupe needs.
    static func sourceRequest(_ request: ScanRequest) -> ScanRequest {
        var r = request
        r.seqs = true
        r.insertIds = true
        return r
    }

    /// `sources` deliver blocks of `day` in (uid, time, seq) order, scanned with
    /// `sourceRequest(request)`.
    init(day: Int32, request: ScanRequest, sources: [EventBlockCursor]) throws(StoreError) {
        self.day = day
        self.request = request
        self.sources = sources.map { Source(cursor: $0) }
        copier = BlockRowCopier(day: day, request: request, sources: sources.count)
        for i in self.sources.indices { try load(i) }
    }

    var cursor: EventBlockCursor {
        EventBlockCursor { () throws(StoreError) -> EventBlock? in try self.next() }
    }

    func next() throws(StoreError) -> EventBlock? {
        while ready.isEmpty && !finished {
            guard let s = smallest() else {
                closeGroup()
                if copier.count > 0 { ready.append(copier.build()) }
                finished = true
                break
            }
            let src = sources[s]
            let b = src.block!
            let key = (b.uids[src.row], floorDiv(b.timesMs[src.row], 1000))
            if let g = groupKey, g != key { closeGroup() }
            groupKey = key
            group.append(Entry(source: s, row: src.row, token: src.token))
            try advance(s)
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// The source whose current row is first in (uid, time, seq) order.
    private func smallest() -> Int? {
        var best: Int? = nil
        var bestKey: (UInt32, Int64, UInt64) = (0, 0, 0)
        for (i, s) in sources.enumerated() {
            guard let b = s.block else { continue }
            let key = (b.uids[s.row], b.timesMs[s.row], b.seqs[s.row])
            if best == nil || key < bestKey {
                best = i
                bestKey = key
            }
        }
        return best
    }

    private func advance(_ i: Int) throws(StoreError) {
        sources[i].row += 1
        if sources[i].row >= sources[i].block!.count { try load(i) }
    }

    private func load(_ i: Int) throws(StoreError) {
        sources[i].block = nil
        sources[i].row = 0
        while let b = try sources[i].cursor.next() {
            guard b.count > 0 else { continue }
            nextToken += 1
            sources[i].block = b
            sources[i].token = nextToken
            blocks[nextToken] = b
            return
        }
    }

    /// Emits the open group's rows, dropping every duplicate but the last ingested.
    private func closeGroup() {
        guard !group.isEmpty else { return }
        if group.count == 1 {
            // Nearly every group: one row, nothing to compare.
            let e = group[0]
            group.removeAll(keepingCapacity: true)
            emit(e)
            dropStaleBlocks()
            return
        }
        var kept = [Bool](repeating: true, count: group.count)
        if group.count > 1 {
            // Per dedupe key (name, insert id), the entry with the highest seq.
            var best: [[UInt8]: Int] = [:]
            for (i, e) in group.enumerated() {
                let b = blocks[e.token]!
                var key = Array(b.names[Int(b.nameIds[e.row])].utf8)
                key.append(0)
                key += b.insertIds.arena[b.insertIds.range(of: e.row)]
                if let j = best[key] {
                    let other = group[j]
                    if blocks[other.token]!.seqs[other.row] < b.seqs[e.row] {
                        kept[j] = false
                        best[key] = i
                    } else {
                        kept[i] = false
                    }
                } else {
                    best[key] = i
                }
            }
        }
        for (e, keep) in zip(group, kept) where keep { emit(e) }
        group.removeAll(keepingCapacity: true)
        dropStaleBlocks()
    }

    private func emit(_ e: Entry) {
        if e.token == sources[e.source].token, let b = sources[e.source].block {
            copier.append(b, row: e.row, source: e.source, token: e.token)
        } else {
            copier.append(blocks[e.token]!, row: e.row, source: e.source, token: e.token)
        }
        if copier.isFull {
            ready.append(copier.build())
            copier = BlockRowCopier(day: day, request: request, sources: sources.count)
        }
    }

    /// Forgets blocks no source is on any more (only after a source moved on).
    private func dropStaleBlocks() {
        guard blocks.count > sources.count else { return }
        let live = Set(sources.compactMap { $0.block == nil ? nil : $0.token })
        blocks = blocks.filter { live.contains($0.key) }
    }
}
