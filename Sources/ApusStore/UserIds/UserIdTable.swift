// The in-memory half of a project's user-id dictionary: every distinct id's bytes in one arena,
// in uid order, and an open-addressing hash index over them. No String and no allocation per
// id, so a million users cost their bytes plus ~12 bytes each, and lookups compare bytes.

import ApusStoreCore
import CPrefetch

/// Distinct ids numbered densely from 0 in the order they were first assigned.
package struct UserIdTable: Sendable {
    /// Every id's UTF-8 bytes, back to back, in uid order.
    private(set) var arena: [UInt8] = []
    /// `ends[uid]` is where that id's bytes end in `arena` (they start at the previous end).
    private(set) var ends: [UInt32] = []
    /// Open addressing, linear probing: `uid + 1` per slot, 0 = empty. Capacity a power of two,
    /// at most half full.
    private var slots: [UInt32] = Array(repeating: 0, count: 16)
    /// Mixed into every hash, random per table: distinct ids come from the public ingestion
    /// routes, so nobody may choose ids that collide on purpose.
    private let seed = UInt64.random(in: .min ... .max)

    package init() {}

    /// The number of ids (the next uid to assign).
    package var count: Int { ends.count }

    /// The bytes held for all ids.
    package var arenaBytes: Int { arena.count }

    /// The bytes of `uid`'s distinct id.
    package func bytes(of uid: UInt32) -> ArraySlice<UInt8> {
        let end = Int(ends[Int(uid)])
        let start = uid == 0 ? 0 : Int(ends[Int(uid) - 1])
        return arena[start..<end]
    }

    /// The distinct id of `uid`; empty for a uid the table does not hold (opening a project
    /// refuses parts that refer to such uids, so only a bug reaches this).
    package func distinctId(of uid: UInt32) -> String {
        guard Int(uid) < ends.count else { return "" }
        return String(decoding: bytes(of: uid), as: UTF8.self)
    }

    /// The uid of a distinct id, if it has one.
    package func uid(of id: some StringProtocol) -> UInt32? {
        var s = String(id)
        return s.withUTF8 { uid(ofBytes: UnsafeRawBufferPointer($0)) }
    }

    /// The uid of a distinct id given as UTF-8 bytes, if it has one.
    package func uid(ofBytes id: UnsafeRawBufferPointer) -> UInt32? {
        uid(ofBytes: id, hash: hash(id))
    }

    /// Asks for the slot where a lookup of an id with hash `h` starts to be brought into the
    /// cache (a hint: a lookup may follow while the table grows).
    @inline(__always)
    package func prefetchSlot(hash h: UInt64) {
        slots.withUnsafeBufferPointer { apus_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: h) & ($0.count - 1))) }
    }

    /// Once the slot of `h` is in the cache: asks for where the bytes of the id it holds end
    /// (`stage` 1), or, once that is in the cache too, for the bytes (`stage` 2).
    @inline(__always)
    package func prefetchEntry(hash h: UInt64, stage: Int) {
        let slot = slots.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: h) & ($0.count - 1)] }
        guard slot != 0 else { return }
        let uid = Int(slot - 1)
        ends.withUnsafeBufferPointer { ends in
            guard uid < ends.count else { return }
            if stage == 1 {
                apus_prefetch(ends.baseAddress! + uid)
            } else {
                let start = uid == 0 ? 0 : Int(ends[uid - 1])
                arena.withUnsafeBufferPointer { a in if start < a.count { apus_prefetch(a.baseAddress! + start) } }
            }
        }
    }

    /// `uid(ofBytes:)`, given the id's `hash`.
    package func uid(ofBytes id: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBytes { a in
            while true {
                let slot = slots[i]
                if slot == 0 { return nil }
                let uid = Int(slot - 1)
                let end = Int(ends[uid]), start = uid == 0 ? 0 : Int(ends[uid - 1])
                if end - start == id.count && (id.count == 0 || sameBytes(a.baseAddress! + start, id.baseAddress!, count: id.count)) {
                    return UInt32(uid)
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Appends an id the table does not hold and returns its uid. The caller checks absence
    /// (`uid(ofBytes:)`) and the uid space.
    @discardableResult
    package mutating func append(_ id: UnsafeRawBufferPointer) -> UInt32 {
        append(id, hash: hash(id))
    }

    /// `append`, given the id's `hash`.
    @discardableResult
    package mutating func append(_ id: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32 {
        let uid = UInt32(ends.count)
        arena.append(contentsOf: id)
        ends.append(UInt32(arena.count))
        if ends.count * 2 > slots.count { grow() } else { index(uid, hash: h) }
        return uid
    }

    /// Forgets every uid from `count` on (undoing appends whose write failed).
    package mutating func truncate(to count: Int) {
        guard count < ends.count else { return }
        arena.removeLast(arena.count - (count == 0 ? 0 : Int(ends[count - 1])))
        ends.removeLast(ends.count - count)
        rebuildIndex(capacity: slots.count)
    }

    private mutating func index(_ uid: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = uid + 1
    }

    private mutating func grow() {
        rebuildIndex(capacity: slots.count * 2)
    }

    private mutating func rebuildIndex(capacity: Int) {
        var capacity = capacity
        while ends.count * 2 > capacity { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
        let hashes: [UInt64] = arena.withUnsafeBytes { [self] a in
            var start = 0
            return ends.map { end in
                defer { start = Int(end) }
                return hash(UnsafeRawBufferPointer(rebasing: a[start..<Int(end)]))
            }
        }
        for (uid, h) in hashes.enumerated() { index(UInt32(uid), hash: h) }
    }

    /// A fast seeded 64-bit hash of bytes (word-at-a-time multiply-mix).
    func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = seed ^ UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        while i + 8 <= bytes.count {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        h = h &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 32)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
