// Distinct byte strings (event names, property keys, string values) numbered in order of first
// appearance, looked up by their UTF-8 bytes: no `String` is made or hashed for a value seen
// before, which is most of them when columns are built. Open addressing over an arena; the
// hash is seeded per table, so crafted input cannot make lookups quadratic.

#if canImport(Glibc)
import Glibc
#endif

/// Numbers distinct byte strings 0, 1, 2… in order of first appearance.
package struct ByteStringTable {
    private var arena: [UInt8] = []
    /// Entry `i` is `arena[starts[i]..<starts[i + 1]]`.
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Per slot, 0 for empty, else the entry's number + 1 in the low 32 bits and the high 32
    /// bits of its hash above (so a probe that misses rarely reads the entry); a power of two
    /// in size.
    private var slots: [UInt64]
    private let seed: UInt64

    package init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        seed = UInt64.random(in: 1...UInt64.max)
    }

    /// Distinct strings seen.
    package var count: Int { hashes.count }

    /// The number of `bytes`, and whether they were new.
    @inline(__always)
    package mutating func id(of bytes: UnsafeBufferPointer<UInt8>) -> (id: UInt32, inserted: Bool) {
        let h = Self.hash(bytes, seed: seed)
        let mask = slots.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { break }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let id = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if equals(id, bytes) { return (UInt32(id), false) }
            }
            i = (i + 1) & mask
        }
        let id = hashes.count
        hashes.append(h)
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        slots[i] = tag | UInt64(id + 1)
        if hashes.count * 2 > slots.count { grow() }
        return (UInt32(id), true)
    }

    /// The number of `text`'s UTF-8 bytes, and whether they were new.
    package mutating func id(of text: String) -> (id: UInt32, inserted: Bool) {
        if let r = text.utf8.withContiguousStorageIfAvailable({ id(of: $0) }) { return r }
        var text = text
        return text.withUTF8 { id(of: $0) }
    }

    /// The number of `bytes` if seen, without adding them.
    @inline(__always)
    package func find(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        let h = Self.hash(bytes, seed: seed)
        let mask = slots.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if s & 0xFFFF_FFFF_0000_0000 == tag {
                let id = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if equals(id, bytes) { return UInt32(id) }
            }
            i = (i + 1) & mask
        }
    }

    /// The number of `text`'s UTF-8 bytes if seen.
    package func find(_ text: String) -> UInt32? {
        if let found = text.utf8.withContiguousStorageIfAvailable({ find($0) }) { return found }
        var text = text
        return text.withUTF8 { find($0) }
    }

    /// True when entry `id` holds exactly `bytes`.
    @inline(__always)
    package func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let lo = starts[id], hi = starts[id + 1]
        guard hi - lo == bytes.count else { return false }
        if bytes.isEmpty { return true }
        return arena.withUnsafeBufferPointer { a in
            sameBytes(a.baseAddress! + lo, bytes.baseAddress!, count: bytes.count)
        }
    }

    /// Entry `id` as text.
    package func string(_ id: Int) -> String {
        arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[starts[id]..<starts[id + 1]]), as: UTF8.self) }
    }

    private mutating func grow() {
        var bigger = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = bigger.count - 1
        for id in hashes.indices {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while bigger[i] != 0 { i = (i + 1) & mask }
            bigger[i] = hashes[id] & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1)
        }
        slots = bigger
    }

    /// A seeded hash reading eight bytes at a time.
    @inlinable @inline(__always)
    package static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        // The last n - i bytes, the first in the lowest byte: when the string is at least a
        // word long, its last word shifted down; else put together from 4-, 2- and 1-byte reads
        // (never a byte outside the string).
        let rest = n - i
        var tail: UInt64 = 0
        if rest > 0 {
            if n >= 8 {
                tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) >> UInt64(64 - 8 * rest)
            } else {
                var k = 0
                if rest & 4 != 0 {
                    tail = UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    k = 4
                }
                if rest & 2 != 0 {
                    tail |= UInt64(raw.loadUnaligned(fromByteOffset: i + k, as: UInt16.self)) << UInt64(8 * k)
                    k += 2
                }
                if rest & 1 != 0 {
                    tail |= UInt64(raw.load(fromByteOffset: i + k, as: UInt8.self)) << UInt64(8 * k)
                }
            }
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        return h
    }
}
