// Delta + zigzag varint coding of integer columns. Rows are sorted by (distinct id, time, seq),
// so times rise within a user and jump back at each new user: each row stores the signed
// difference from the previous row (the first from 0), zigzag-mapped so that small negative
// jumps stay short. Arithmetic wraps, so every Int64 sequence round-trips exactly.

/// Encodes and decodes integer sequences as zigzag varint deltas.
package enum DeltaCoding {
    /// Writes each value as the zigzag varint of its difference from the previous one.
    package static func encode(_ values: [Int64], into w: inout BinaryWriter) {
        var previous: Int64 = 0
        for v in values {
            w.zigzag(v &- previous)
            previous = v
        }
    }

    /// Writes unsigned values by their bit pattern, as `encode(_: [Int64])` does.
    package static func encode(_ values: [UInt64], into w: inout BinaryWriter) {
        var previous: UInt64 = 0
        for v in values {
            w.zigzag(Int64(bitPattern: v &- previous))
            previous = v
        }
    }

    /// Reads `count` values written by `encode(_: [Int64])`.
    package static func decodeSigned(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [Int64] {
        try requireBytes(&r, count: count)
        var values: [Int64] = []
        values.reserveCapacity(count)
        var previous: Int64 = 0
        for _ in 0..<count {
            previous = previous &+ (try r.zigzag())
            values.append(previous)
        }
        return values
    }

    /// Reads `count` values written by `encode(_: [UInt64])`.
    package static func decodeUnsigned(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [UInt64] {
        try requireBytes(&r, count: count)
        var values: [UInt64] = []
        values.reserveCapacity(count)
        var previous: UInt64 = 0
        for _ in 0..<count {
            previous = previous &+ UInt64(bitPattern: try r.zigzag())
            values.append(previous)
        }
        return values
    }

    /// Writes non-decreasing row indices as unsigned varint gaps (the first from 0).
    package static func encodeRows(_ rows: [UInt32], into w: inout BinaryWriter) {
        var previous: UInt32 = 0
        for row in rows {
            assert(row >= previous, "row indices must not decrease")
            w.varint(UInt64(row &- previous))
            previous = row
        }
    }

    /// Reads `count` row indices written by `encodeRows`, refusing any at or past `rowCount`.
    package static func decodeRows(_ r: inout BinaryReader, count: Int, rowCount: Int) throws(DecodeFailure) -> [UInt32] {
        try requireBytes(&r, count: count)
        var rows: [UInt32] = []
        rows.reserveCapacity(count)
        var previous: UInt64 = 0
        for _ in 0..<count {
            let at = r.offset
            let gap = try r.varint()
            guard gap < UInt64(rowCount) - previous else {
                throw DecodeFailure(offset: at, reason: "row index \(previous) + \(gap) past the \(rowCount) rows")
            }
            previous += gap
            rows.append(UInt32(previous))
        }
        return rows
    }

    /// Every varint takes at least one byte: refuse counts the input cannot hold before allocating.
    @inline(__always)
    private static func requireBytes(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) {
        guard count >= 0, count <= r.remaining else {
            throw DecodeFailure(offset: r.offset, reason: "\(count) values cannot fit in \(r.remaining) bytes")
        }
    }
}
