// Recent events, queryable as soon as they are durable. A list of immutable chunks (the WAL
// records as they arrived): appending adds a chunk, a reader's snapshot copies the list (not
// the events). In the background the chunks are laid out as columns (`MemtableRun`s), so scans
// and the flush read columns instead of decoding records; the chunks past the last run (the
// tail, a few thousand events at most under steady load) are decoded when read.

import ApusStoreCore

/// The in-memory part of a project's events.
package struct Memtable: Sendable {
    package private(set) var chunks: [MemtableChunk] = []
    package private(set) var rowCount = 0
    package private(set) var byteCount = 0
    /// Columnar runs covering `chunks[..<indexedChunks]`, oldest first.
    package private(set) var runs: [MemtableRun] = []
    package private(set) var indexedChunks = 0
    /// Tells this memtable from the one that replaces it after a flush starts.
    package let generation: UInt64

    package init(generation: UInt64 = 0) {
        self.generation = generation
    }

    package mutating func append(_ chunk: MemtableChunk) {
        chunks.append(chunk)
        rowCount += chunk.count
        byteCount += chunk.bytes.count
    }

    package var isEmpty: Bool { chunks.isEmpty }

    /// Chunks no run covers yet.
    package var tail: ArraySlice<MemtableChunk> { chunks[indexedChunks...] }

    /// Rows no run covers yet.
    package var tailRowCount: Int { tail.reduce(0) { $0 + $1.count } }

    /// Adds a run built from `chunks[from..<from + count]`; false when that is not the next
    /// stretch (the memtable changed meanwhile), and nothing changes.
    package mutating func addRun(_ run: MemtableRun, from: Int, count: Int) -> Bool {
        guard from == indexedChunks, from + count <= chunks.count else { return false }
        runs.append(run)
        indexedChunks += count
        return true
    }

    /// Replaces `replaced`, the newest runs, with `run` (their merge); false when they are no
    /// longer the newest runs.
    package mutating func replaceRuns(_ replaced: [MemtableRun], with run: MemtableRun) -> Bool {
        guard runs.count >= replaced.count,
              zip(runs.suffix(replaced.count), replaced).allSatisfy({ $0 === $1 }) else { return false }
        runs.removeLast(replaced.count)
        runs.append(run)
        return true
    }
}
