// The transcoder's buffer for the record being written. Its fields are small (a key, a short
// string, a number), and through `[UInt8]` each append paid a uniqueness check, a capacity check
// and a generic copy call, which together cost more than reading the JSON did; here an append is
// one capacity check and a copy through a pointer.

import ApusModel
import ApusStoreCore

/// A growable byte buffer written through a pointer.
struct ByteScratch: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written (valid until the next write).
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Forgets what was written, keeping the room.
    mutating func removeAll() { count = 0 }

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if capacity - count < n { grow(to: count + n) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let bigger = max(needed, capacity * 2)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = bigger
    }

    /// Forgets the last `n` bytes written.
    mutating func removeLast(_ n: Int) { count -= n }

    /// Overwrites the byte written at `offset`.
    mutating func patch(at offset: Int, _ b: UInt8) {
        precondition(offset < count)
        base[offset] = b
    }

    @inline(__always)
    mutating func u8(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    /// Unsigned LEB128, as `BinaryWriter.varint`.
    @inline(__always)
    mutating func varint(_ value: UInt64) {
        reserve(10)
        var v = value
        while v >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count += 1
            v >>= 7
        }
        base[count] = UInt8(v)
        count += 1
    }

    /// A signed integer as zigzag LEB128, as `BinaryWriter.zigzag`.
    @inline(__always)
    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A string's UTF-8 bytes after their length, as `BinaryWriter.string`.
    @inline(__always)
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { lengthPrefixed($0) }
    }

    /// A varint byte length followed by the bytes, as `BinaryWriter.lengthPrefixed`.
    @inline(__always)
    mutating func lengthPrefixed(_ b: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(b.count))
        append(b)
    }

    @inline(__always)
    mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        guard let from = b.baseAddress, b.count > 0 else { return }
        let n = b.count
        reserve(n)
        let source = UnsafeRawPointer(from), target = UnsafeMutableRawPointer(base + count)
        // Keys and short values: two overlapping words instead of a call to memmove.
        if n >= 8 && n <= 16 {
            let first = source.loadUnaligned(as: UInt64.self), last = source.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            target.storeBytes(of: first, as: UInt64.self)
            target.storeBytes(of: last, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 && n < 8 {
            let first = source.loadUnaligned(as: UInt32.self), last = source.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            target.storeBytes(of: first, as: UInt32.self)
            target.storeBytes(of: last, toByteOffset: n - 4, as: UInt32.self)
        } else {
            (base + count).update(from: from, count: n)
        }
        count += n
    }

    /// A number in `ValueCodec`'s layout.
    @inline(__always)
    mutating func number(_ d: Double) {
        if let i = ValueCodec.exactInteger(d) {
            u8(ValueTag.integer.rawValue)
            zigzag(i)
        } else {
            u8(ValueTag.double.rawValue)
            reserve(8)
            UnsafeMutableRawPointer(base + count).storeBytes(of: d.bitPattern.littleEndian, toByteOffset: 0, as: UInt64.self)
            count += 8
        }
    }

    /// Any value in `ValueCodec`'s layout (the general encoder; containers and special values).
    mutating func value(_ v: JSONValue) {
        var w = BinaryWriter(capacity: 64)
        ValueCodec.encode(v, into: &w)
        w.bytes.withUnsafeBufferPointer { append($0) }
    }
}
