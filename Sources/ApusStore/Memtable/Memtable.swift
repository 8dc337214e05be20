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
}
