// Recent events, queryable as soon as they are durable. A list of immutable chunks: appending
// adds a chunk, a reader's snapshot copies the list (not the events).

/// The in-memory part of a project's events.
import ApusStoreCore

package struct Memtable: Sendable {
    package private(set) var chunks: [MemtableChunk] = []
    package private(set) var rowCount = 0
    package private(set) var byteCount = 0

    package init() {}

    package mutating func append(_ chunk: MemtableChunk) {
        chunks.append(chunk)
        rowCount += chunk.count
        byteCount += chunk.bytes.count
    }

    package var isEmpty: Bool { chunks.isEmpty }

    /// Every event whose UTC day is in `days`, sorted by (distinct id, time, seq): the order
    /// parts use, so the two can be merged and deduplicated in one pass.
    package static func sortedEvents(in chunks: [MemtableChunk], days: ClosedRange<Int32>) throws(DecodeFailure) -> [StoredEvent] {
        let lo = Int64(days.lowerBound) * 86_400_000
        let hi = (Int64(days.upperBound) + 1) * 86_400_000
        var out: [StoredEvent] = []
        for chunk in chunks {
            for i in 0..<chunk.count where chunk.timesMs[i] >= lo && chunk.timesMs[i] < hi {
                out.append(try chunk.event(at: i))
            }
        }
        out.sort(by: PartRowOrder.precedes)
        return out
    }
}
