// The one cache of decoded column chunks, shared by every open part, bounded in bytes. A scan
// asks for a chunk by (part, offset); a miss reads and decodes it. Scan-resistant: a chunk
// enters on probation and is kept for good only once it is asked for again; when the total
// passes the limit, chunks on probation leave first, the most recently loaded first, then the
// least recently used of the rest. A report that reads more than the cache holds, pass after
// pass, so keeps a stable part of its chunks cached (plain LRU would evict each chunk just
// before the next pass needs it, and never hit).

import ApusStoreCore
import Synchronization

/// Decoded chunks, least recently used out first.
package final class BlockCache: Sendable {
    /// A chunk of a part, decoded as one kind of column (the same bytes decoded two ways —
    /// only a forged footer points two columns at one chunk — are two entries).
    struct Key: Hashable {
        var part: UInt64
        var offset: UInt64
        var length: UInt32
        var kind: UInt8
    }

    private struct Entry {
        var value: any Sendable
        var bytes: Int
        /// Eviction order, lowest first: negative for chunks on probation (the later loaded,
        /// the lower), the time of the last hit for the others.
        var tick: Int64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var tick: Int64 = 0
        var hits = 0
        var misses = 0
    }

    /// The most bytes of decoded chunks kept.
    package let bytesMax: Int
    private let state = Mutex(State())
    private let nextPart = Atomic<UInt64>(1)

    package init(bytesMax: Int) {
        self.bytesMax = bytesMax
    }

    /// A number no other part opened with this cache has.
    func partNumber() -> UInt64 { nextPart.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Bytes held, hits and misses so far.
    package var usage: (bytes: Int, hits: Int, misses: Int) {
        state.withLock { ($0.bytes, $0.hits, $0.misses) }
    }

    /// The cached value for `key`, or `load()`'s (cached when it fits).
    func value<T: Sendable>(_ key: Key, _ load: () throws(StoreError) -> (T, bytes: Int)) throws(StoreError) -> T {
        let cached: T? = state.withLock { s in
            guard var e = s.entries[key], let v = e.value as? T else { return nil }
            s.tick += 1
            e.tick = s.tick
            s.entries[key] = e
            s.hits += 1
            return v
        }
        if let cached { return cached }
        let (value, bytes) = try load()
        state.withLock { s in
            s.misses += 1
            guard bytes <= bytesMax / 4 else { return }
            s.tick += 1
            if let old = s.entries.updateValue(Entry(value: value, bytes: bytes, tick: -s.tick), forKey: key) { s.bytes -= old.bytes }
            s.bytes += bytes
            if s.bytes > bytesMax { Self.evict(&s, to: bytesMax * 3 / 4) }
        }
        return value
    }

    /// Forgets every chunk of a part (it was deleted or merged away).
    func forget(part: UInt64) {
        state.withLock { s in
            for (k, e) in s.entries where k.part == part {
                s.entries[k] = nil
                s.bytes -= e.bytes
            }
        }
    }

    /// Drops every cached chunk (benchmarks measure cold reads after it).
    package func removeAll() {
        state.withLock { s in
            s.entries = [:]
            s.bytes = 0
        }
    }

    private static func evict(_ s: inout State, to target: Int) {
        for (k, e) in s.entries.sorted(by: { $0.value.tick < $1.value.tick }) {
            if s.bytes <= target { break }
            s.entries[k] = nil
            s.bytes -= e.bytes
        }
    }
}
