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
        /// The current block (meaningless once `active` is false).
        var block = EventBlock(day: 0, count: 0, uids: [], timesMs: [], nameIds: [], names: [])
        var active = false
        var row = 0
        var token = 0
    }

    private struct Entry {
        var source: Int
        var row: Int
        var token: Int
    }

    private var sources: [Source]
    /// Each active source's current (uid, time, seq), so choosing the next row copies nothing.
    private var heads: [(UInt32, Int64, UInt64)]
    /// Blocks rows of the open group may point into, by token.
    private var blocks: [Int: EventBlock] = [:]
    private var nextToken = 0
    /// The output block being assembled: the input blocks its rows come from (by token) and
    /// the rows picked, gathered column by column when full.
    private var inputs: [EventBlock] = []
    private var inputTokens: [Int] = []
    private var picks: [BlockGather.Pick] = []
    private var group: [Entry] = []
    private var groupKey: (UInt32, Int64)? = nil
    private var ready: [EventBlock] = []
    private var finished = false
    private let day: Int32
    private let request: ScanRequest
    /// The sources' blocks hold exactly the columns the output needs, so a run of rows that
    /// is a whole stretch of one block can be handed on without gathering.
    private let passesBlocksThrough: Bool

    /// The request each source must be scanned with: the caller's, plus the seqs and insert
    /// ids dedupe needs, and a time range widened to whole seconds — copies of one event share
    /// only their second, so a copy outside the caller's range may still beat one inside it.
    /// The exact range is applied after dedupe.
    static func sourceRequest(_ request: ScanRequest) -> ScanRequest {
        var r = request
        r.seqs = true
        r.insertIds = true
        r.uidsAndTimes = true
        if let t = request.timeMs {
            let lower = floorDiv(t.lowerBound, 1000) * 1000
            let upper = t.upperBound == Int64.min ? Int64.min : (floorDiv(t.upperBound - 1, 1000) + 1) * 1000
            r.timeMs = lower..<max(lower, upper)
        }
        return r
    }

    /// The dedupe key of a row: event name (length first, so no two name/id pairs collide) and
    /// insert id.
    static func dedupeKey(_ b: EventBlock, row: Int) -> [UInt8] {
        dedupeKey(name: b.names[Int(b.nameIds[row])].utf8, insertId: b.insertIds.arena[b.insertIds.range(of: row)])
    }

    /// The dedupe key of an event name and insert id given as bytes.
    static func dedupeKey(name: some Collection<UInt8>, insertId: some Collection<UInt8>) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(name.count + insertId.count + 5)
        var n = UInt64(name.count)
        repeat {
            key.append(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0))
            n >>= 7
        } while n > 0
        key += name
        key += insertId
        return key
    }

    /// `sources` deliver blocks of `day` in (uid, time, seq) order, scanned with
    /// `sourceRequest(request)`.
    init(day: Int32, request: ScanRequest, sources: [EventBlockCursor]) throws(StoreError) {
        self.day = day
        self.request = request
        passesBlocksThrough = request == Self.sourceRequest(request)
        self.sources = sources.map { Source(cursor: $0) }
        heads = Array(repeating: (0, 0, 0), count: sources.count)
        for i in self.sources.indices { try load(i) }
    }

    var cursor: EventBlockCursor {
        EventBlockCursor { () throws(StoreError) -> EventBlock? in try self.next() }
    }

    func next() throws(StoreError) -> EventBlock? {
        while ready.isEmpty && !finished {
            guard let s = smallest() else {
                closeGroup()
                if !picks.isEmpty { gather() }
                finished = true
                break
            }
            let key = (heads[s].0, floorDiv(heads[s].1, 1000))
            if let g = groupKey, g != key { closeGroup() }
            groupKey = key
            group.append(Entry(source: s, row: sources[s].row, token: sources[s].token))
            try advance(s)
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// The source whose current row is first in (uid, time, seq) order.
    private func smallest() -> Int? {
        var best = -1
        for i in heads.indices where sources[i].active && (best < 0 || heads[i] < heads[best]) { best = i }
        return best < 0 ? nil : best
    }

    private func advance(_ i: Int) throws(StoreError) {
        sources[i].row += 1
        let row = sources[i].row
        if row >= sources[i].block.count {
            try load(i)
        } else {
            heads[i] = (sources[i].block.uids[row], sources[i].block.timesMs[row], sources[i].block.seqs[row])
        }
    }

    private func load(_ i: Int) throws(StoreError) {
        sources[i].active = false
        sources[i].row = 0
        while let b = try sources[i].cursor.next() {
            guard b.count > 0 else { continue }
            nextToken += 1
            sources[i].block = b
            sources[i].active = true
            sources[i].token = nextToken
            heads[i] = (b.uids[0], b.timesMs[0], b.seqs[0])
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
                let key = Self.dedupeKey(b, row: e.row)
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
        if let range = request.timeMs, !range.contains(blocks[e.token]!.timesMs[e.row]) { return }
        var input = inputTokens.count - 1
        while input >= 0 && inputTokens[input] != e.token { input -= 1 }
        if input < 0 {
            input = inputs.count
            inputs.append(blocks[e.token]!)
            inputTokens.append(e.token)
        }
        picks.append(BlockGather.Pick(input: Int32(input), row: Int32(e.row)))
        if picks.count >= EventBlock.rowsMax { gather() }
    }

    private func gather() {
        if passesBlocksThrough, inputs.count == 1, let first = picks.first,
           picks.last!.row == first.row + Int32(picks.count - 1) {
            // Rows first..<first+count of one block, in order (picks of one block ascend): no
            // duplicate was dropped among them, so the block's own columns are the output.
            ready.append(inputs[0].slice(Int(first.row)..<(Int(first.row) + picks.count)))
        } else {
            ready.append(BlockGather.build(day: day, request: request, inputs: inputs, picks: picks))
        }
        inputs.removeAll()
        inputTokens.removeAll()
        picks.removeAll(keepingCapacity: true)
    }

    /// Forgets blocks no source is on any more (only after a source moved on).
    private func dropStaleBlocks() {
        guard blocks.count > sources.count else { return }
        let live = Set(sources.compactMap { $0.active ? $0.token : nil })
        blocks = blocks.filter { live.contains($0.key) }
    }
}
