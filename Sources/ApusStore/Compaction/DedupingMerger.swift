// Mixpanel's dedupe, applied while merging sorted streams. Two events are the same when their
// event name, distinct id, time truncated to the second and `$insert_id` all match (UTF-8 bytes);
// the copy with the higher seq (ingested later) wins. Inputs are sorted in part row order
// (distinct id, time, seq), so every possible duplicate of an event lies in the run of merged
// rows sharing its (distinct id, second): only that run is buffered. Used by compaction over parts
// and by export over parts plus a sorted memtable slice.

/// A k-way merge of streams sorted in part row order, yielding one sorted, deduplicated stream.
import ApusStoreCore

package struct DedupingMerger<Source: IteratorProtocol>: IteratorProtocol, Sequence where Source.Element == StoredEvent {
    private var sources: [Source]
    private var heads: [StoredEvent?]
    /// Source indices ordered as a binary min-heap by their head event.
    private var heap: [Int] = []
    /// The survivors of the current (distinct id, second) group, waiting to be returned.
    private var group: [StoredEvent] = []
    private var groupCursor = 0
    private var alive: [Bool] = []
    private var seen: [DedupeKey: Int] = [:]

    /// Groups up to this size are deduplicated by pairwise comparison, larger ones by hashing.
    private static var linearGroupMax: Int { 16 }

    /// Merges `sources`, each sorted by (distinct id bytes, time, seq).
    package init(_ sources: [Source]) {
        self.sources = sources
        heads = []
        heads.reserveCapacity(sources.count)
        for i in self.sources.indices {
            heads.append(self.sources[i].next())
            if heads[i] != nil { push(i) }
        }
    }

    /// Merges the iterators of `sequences`.
    package init<S: Sequence>(sequences: [S]) where S.Iterator == Source {
        self.init(sequences.map { $0.makeIterator() })
    }

    package mutating func next() -> StoredEvent? {
        if groupCursor < group.count {
            defer { groupCursor += 1 }
            return group[groupCursor]
        }
        guard let first = pop() else { return nil }
        guard let top = heap.first, sameGroup(heads[top]!, first) else { return first }
        group.removeAll(keepingCapacity: true)
        group.append(first)
        while let top = heap.first, sameGroup(heads[top]!, first) { group.append(pop()!) }
        dedupeGroup()
        groupCursor = 1
        return group[0]
    }

    @inline(__always)
    private func sameGroup(_ a: StoredEvent, _ b: StoredEvent) -> Bool {
        a.timeSecond == b.timeSecond && utf8Equal(a.event.distinctId, b.event.distinctId)
    }

    @inline(__always)
    private static func sameKey(_ a: StoredEvent, _ b: StoredEvent) -> Bool {
        utf8Equal(a.event.insertId, b.event.insertId) && utf8Equal(a.event.name, b.event.name)
    }

    /// Keeps, for each (name, insert id) in `group`, the copy with the highest seq, in order.
    private mutating func dedupeGroup() {
        let n = group.count
        alive.removeAll(keepingCapacity: true)
        alive.append(contentsOf: repeatElement(true, count: n))
        var removed = 0
        if n <= Self.linearGroupMax {
            for j in 1..<n {
                for i in 0..<j where alive[i] && Self.sameKey(group[i], group[j]) {
                    if group[j].seq > group[i].seq { alive[i] = false } else { alive[j] = false }
                    removed += 1
                    break
                }
            }
        } else {
            seen.removeAll(keepingCapacity: true)
            for j in 0..<n {
                let key = DedupeKey(group[j])
                if let i = seen[key] {
                    if group[j].seq > group[i].seq { alive[i] = false; seen[key] = j } else { alive[j] = false }
                    removed += 1
                } else {
                    seen[key] = j
                }
            }
        }
        guard removed > 0 else { return }
        var w = 0
        for r in 0..<n where alive[r] {
            if w != r { group.swapAt(w, r) }
            w += 1
        }
        group.removeLast(n - w)
    }

    // MARK: heap of sources by head event

    @inline(__always)
    private func less(_ a: Int, _ b: Int) -> Bool {
        let c = PartRowOrder.compare(heads[a]!, heads[b]!)
        return c < 0 || (c == 0 && a < b)
    }

    private mutating func push(_ source: Int) {
        heap.append(source)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest head, refilling from its source.
    private mutating func pop() -> StoredEvent? {
        guard let top = heap.first else { return nil }
        let event = heads[top]!
        heads[top] = sources[top].next()
        if let refill = heads[top] {
            assert(!PartRowOrder.precedes(refill, event), "DedupingMerger input \(top) is not sorted in part row order")
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        var parent = 0
        while true {
            let l = 2 * parent + 1, r = l + 1
            var smallest = parent
            if l < heap.count && less(heap[l], heap[smallest]) { smallest = l }
            if r < heap.count && less(heap[r], heap[smallest]) { smallest = r }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return event
    }
}

/// The part of the dedupe key not shared by a whole group: event name and insert id bytes.
private struct DedupeKey: Hashable {
    let name: UTF8Key
    let insertId: UTF8Key
    init(_ e: StoredEvent) {
        name = UTF8Key(e.event.name)
        insertId = UTF8Key(e.event.insertId)
    }
}
