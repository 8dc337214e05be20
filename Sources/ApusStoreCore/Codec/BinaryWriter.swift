// Little-endian primitives and LEB128 varints, appended to a growable byte buffer.
// Shared by the WAL frame codec and the part writer so that both describe bytes the same way.

/// Appends fixed-width little-endian integers, varints and length-prefixed strings.
package struct BinaryWriter {
    /// The bytes written so far.
    package var bytes: [UInt8]

    /// Creates a writer with room for `capacity` bytes.
    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written.
    @inlinable package var count: Int { bytes.count }

    @inlinable package mutating func u8(_ v: UInt8) { bytes.append(v) }

    /// The bytes written so far; the writer starts empty again, keeping its capacity.
    package mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    package mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func f64(_ v: Double) { u64(v.bitPattern) }

    /// Unsigned LEB128.
    @inlinable package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Signed integer as zigzag LEB128.
    @inlinable package mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A varint byte length followed by the UTF-8 bytes.
    @inlinable package mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Raw bytes with no length prefix.
    @inlinable package mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// Raw bytes with no length prefix.
    @inlinable package mutating func raw(_ b: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: b) }

    /// Raw bytes with no length prefix.
    package mutating func raw(_ b: some Collection<UInt8>) { bytes.append(contentsOf: b) }

    /// A varint byte length followed by the bytes.
    @inlinable package mutating func lengthPrefixed(_ b: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    /// Drops everything written after the first `count` bytes.
    package mutating func truncate(to count: Int) {
        bytes.removeSubrange(count...)
    }

    /// Overwrites a u32 written earlier at `offset` (for lengths known only afterwards).
    package mutating func patchU32(_ v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<4 { bytes[offset + i] = src[i] }
        }
    }
}
