// Fixed-width bit-packing of small unsigned integers (dictionary ids, booleans): a width byte,
// then the values least-significant bit first, packed into ceil(count × width / 8) bytes.

import ApusStoreCore

/// Packs and unpacks `UInt32` values at a fixed bit width (0…32).
package enum BitPacking {
    /// The largest width this encoding allows.
    package static let widthMax = 32

    /// The number of bits needed to represent `maxValue` (0 for 0).
    @inline(__always)
    package static func width(forMax maxValue: UInt32) -> Int {
        maxValue == 0 ? 0 : 32 - maxValue.leadingZeroBitCount
    }

    /// Writes `u8 width`, then the packed values. Every value must fit in `width` bits.
    package static func encode(_ values: [UInt32], width: Int, into w: inout BinaryWriter) {
        precondition(width >= 0 && width <= widthMax, "bit width \(width) out of range")
        w.u8(UInt8(width))
        guard width > 0 else { return }
        BitSink.pack(bitCount: values.count * width, into: &w) { sink in
            for v in values {
                assert(width == 32 || v >> UInt32(width) == 0, "value \(v) does not fit in \(width) bits")
                sink.put(UInt64(v), bits: width)
            }
        }
    }

    /// Writes `values` at the smallest width that holds their maximum.
    package static func encode(_ values: [UInt32], into w: inout BinaryWriter) {
        encode(values, width: width(forMax: values.max() ?? 0), into: &w)
    }

    /// Reads what `encode` wrote for `count` values. Refuses widths above 32 and values that
    /// are not below `bound` (when given), so callers can index with the result.
    package static func decode(_ r: inout BinaryReader, count: Int, bound: UInt32? = nil) throws(DecodeFailure) -> [UInt32] {
        let at = r.offset
        let width = Int(try r.u8())
        guard width <= widthMax else { throw DecodeFailure(offset: at, reason: "bit width \(width) above \(widthMax)") }
        let (bitCount, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, count >= 0 else { throw DecodeFailure(offset: at, reason: "bit-packed length overflows") }
        let byteCount = bitCount / 8 + (bitCount % 8 == 0 ? 0 : 1)
        let start = r.offset
        try r.skip(byteCount)
        if width == 0 {
            if let bound, bound == 0, count > 0 { throw DecodeFailure(offset: at, reason: "id 0 out of bounds (no entries)") }
            return [UInt32](repeating: 0, count: count)
        }
        let base = r.base
        let mask = width == 32 ? UInt64(UInt32.max) : (UInt64(1) << UInt64(width)) - 1
        var maxSeen: UInt32 = 0
        if width == 8 || width == 16 {
            // Whole bytes: a widening copy the compiler vectorises.
            let values = [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
                // No index arithmetic in the loop (its overflow checks stop the vectoriser).
                let src = UnsafeRawBufferPointer(rebasing: base[start..<(start + byteCount)])
                if width == 8 {
                    for i in 0..<count { buffer[i] = UInt32(src[i]) }
                } else {
                    for i in 0..<count { buffer[i] = UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))) }
                }
                initialized = count
            }
            if let bound, bound < (1 << UInt32(width)), let top = values.max(), top >= bound {
                throw DecodeFailure(offset: start, reason: "id \(top) out of bounds (\(bound) entries)")
            }
            return values
        }
        let values = [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Each value from one unaligned 8-byte load at its bit offset (a value of ≤32 bits
            // starting at any bit of a byte fits in 8 bytes), while 8 bytes remain in the chunk;
            // the last few values byte by byte.
            let end = start + byteCount
            var i = 0
            var bitPos = 0
            if width < 8 {
                // Eight values fill `width` bytes exactly: one 8-byte load and eight shifts per
                // group, while 8 bytes remain.
                var at = start
                var top: UInt64 = 0
                while i &+ 8 <= count && at &+ 8 <= end {
                    let word = base.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian
                    for k in 0..<8 {
                        let v = (word &>> UInt64(k &* width)) & mask
                        buffer[i &+ k] = UInt32(truncatingIfNeeded: v)
                        top |= v
                    }
                    i &+= 8
                    at &+= width
                }
                // The largest value is below the next power of two of the or of all values,
                // which is exact enough for the bound check: check it precisely if suspect.
                if let bound, top >= UInt64(bound) {
                    for j in 0..<i { maxSeen = max(maxSeen, buffer[j]) }
                }
                bitPos = i &* width
            }
            while i < count && (start + (bitPos >> 3) + 8) <= end {
                let word = base.loadUnaligned(fromByteOffset: start + (bitPos >> 3), as: UInt64.self).littleEndian
                let v = UInt32(truncatingIfNeeded: (word >> UInt64(bitPos & 7)) & mask)
                buffer[i] = v
                maxSeen = max(maxSeen, v)
                i += 1
                bitPos += width
            }
            while i < count {
                var v: UInt64 = 0
                for b in 0..<((width + 7 + (bitPos & 7)) >> 3) where start + (bitPos >> 3) + b < end {
                    v |= UInt64(base[start + (bitPos >> 3) + b]) << UInt64(8 * b)
                }
                let value = UInt32(truncatingIfNeeded: (v >> UInt64(bitPos & 7)) & mask)
                buffer[i] = value
                maxSeen = max(maxSeen, value)
                i += 1
                bitPos += width
            }
            initialized = count
        }
        if let bound, count > 0, maxSeen >= bound {
            throw DecodeFailure(offset: start, reason: "id \(maxSeen) out of bounds (\(bound) entries)")
        }
        return values
    }
}

/// Writes values of up to 32 bits each, least-significant bit first, into room a writer made
/// for them at once: the packing loop stores through a pointer rather than appending byte by
/// byte (an append per byte costs more than the packing).
struct BitSink {
    private let out: UnsafeMutableBufferPointer<UInt8>
    private var k = 0
    private var acc: UInt64 = 0
    private var bits = 0

    /// Appends `ceil(bitCount / 8)` bytes to `w`, filled by `body` through a sink.
    static func pack(bitCount: Int, into w: inout BinaryWriter, _ body: (inout BitSink) -> Void) {
        let start = w.bytes.count
        w.bytes.append(contentsOf: repeatElement(0, count: (bitCount + 7) / 8))
        w.bytes.withUnsafeMutableBufferPointer { all in
            var sink = BitSink(out: UnsafeMutableBufferPointer(rebasing: all[start...]))
            body(&sink)
            if sink.bits > 0 { sink.out[sink.k] = UInt8(truncatingIfNeeded: sink.acc) }
        }
    }

    private init(out: UnsafeMutableBufferPointer<UInt8>) {
        self.out = out
    }

    /// The low `n` bits (at most 32) of `v`.
    @inline(__always)
    mutating func put(_ v: UInt64, bits n: Int) {
        acc |= v << UInt64(bits)
        bits += n
        while bits >= 8 {
            out[k] = UInt8(truncatingIfNeeded: acc)
            k += 1
            acc >>= 8
            bits -= 8
        }
    }
}
