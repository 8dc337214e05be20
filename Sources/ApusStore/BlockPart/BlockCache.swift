// The one cache of decoded column chunks, shared by every open part, bounded in bytes. A scan
// asks for a chunk by (part, offset); a miss reads and decodes it. Scan-resistant: a chunk
// enters on probation and is kept only once it is asked for again; when the total passes the
// limit, chunks on probation leave first, in a scattered order, then the least recently used
// of the kept ones. A report that reads more than the cache holds, pass after pass, so keeps
// about the share that fits (plain LRU evicts each chunk just before the next pass needs it
// and never hits). Kept chunks hold at most three quarters of the cache (past it, the least
// recently used go back on probation), and eviction leaves a quarter to chunks on probation
// before it takes kept ones, so the chunks of a new report still get in.

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
        /// Eviction order, lowest first: negative for chunks on probation (in a scattered
        /// order), the time of the last hit for kept chunks.
        var tick: Int64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        /// Bytes of chunks kept for good (asked for again); at most three quarters of the limit.
        var keptBytes = 0
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
            if e.tick < 0 { s.keptBytes += e.bytes }
            e.tick = s.tick
            s.entries[key] = e
            s.hits += 1
            // Kept chunks hold at most three quarters of the cache, so a new report's chunks
            // can still earn their place: past it, the least recently used go back on probation.
            if s.keptBytes > bytesMax / 4 * 3 { Self.demote(&s, to: bytesMax / 8 * 5) }
            return v
        }
        if let cached { return cached }
        let (value, bytes) = try load()
        state.withLock { s in
            s.misses += 1
            guard bytes <= bytesMax / 4 else { return }
            s.tick += 1
            if let old = s.entries.updateValue(Entry(value: value, bytes: bytes, tick: Self.probation(s.tick)), forKey: key) {
                s.bytes -= old.bytes
                if old.tick > 0 { s.keptBytes -= old.bytes }
            }
            s.bytes += bytes
            if s.bytes > bytesMax { Self.evict(&s, to: bytesMax * 3 / 4, probationFloor: bytesMax / 4) }
        }
        return value
    }

    /// Forgets every chunk of a part (it was deleted or merged away).
    func forget(part: UInt64) {
        state.withLock { s in
            for (k, e) in s.entries where k.part == part {
                s.entries[k] = nil
                s.bytes -= e.bytes
                if e.tick > 0 { s.keptBytes -= e.bytes }
            }
        }
    }

    /// Drops every cached chunk (benchmarks measure cold reads after it).
    package func removeAll() {
        state.withLock { s in
            s.entries = [:]
            s.bytes = 0
            s.keptBytes = 0
        }
    }

    /// Evicts down to `target` bytes: chunks on probation first (scattered), but while a
    /// quarter of the cache is on probation the least recently used kept chunks go before
    /// more of them, so a new report's chunks stay long enough to be asked for again.
    private static func evict(_ s: inout State, to target: Int, probationFloor: Int) {
        let ordered = s.entries.sorted(by: { $0.value.tick < $1.value.tick })
        func remove(_ k: Key, _ e: Entry) {
            guard s.entries.removeValue(forKey: k) != nil else { return }
            s.bytes -= e.bytes
            if e.tick > 0 { s.keptBytes -= e.bytes }
        }
        for (k, e) in ordered where e.tick < 0 {
            if s.bytes <= target || s.bytes - s.keptBytes <= probationFloor { break }
            remove(k, e)
        }
        for (k, e) in ordered where e.tick > 0 {
            if s.bytes <= target { break }
            remove(k, e)
        }
        for (k, e) in ordered where e.tick < 0 {
            if s.bytes <= target { break }
            remove(k, e)
        }
    }

    /// A probation place: negative, and scattered (a fixed hash of the clock), so chunks on
    /// probation leave in an order unrelated to when they came. A scan larger than the cache
    /// then keeps about the share that fits (oldest-first would evict each chunk just before
    /// its next use, newest-first would keep stale chunks for ever).
    private static func probation(_ tick: Int64) -> Int64 {
        -Int64(bitPattern: (UInt64(bitPattern: tick) &* 0x9E37_79B9_7F4A_7C15) >> 2) - 1
    }

    /// Puts the least recently used kept chunks back on probation until `target` bytes are kept.
    private static func demote(_ s: inout State, to target: Int) {
        for (k, e) in s.entries.filter({ $0.value.tick > 0 }).sorted(by: { $0.value.tick < $1.value.tick }) {
            if s.keptBytes <= target { break }
            s.tick += 1
            s.entries[k]?.tick = Self.probation(s.tick)
            s.keptBytes -= e.bytes
        }
    }
}
