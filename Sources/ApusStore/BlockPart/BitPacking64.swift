// Fixed-width bit-packing of 64-bit unsigned integers (scaled numbers, frame-of-reference
// offsets): a width byte (0…64), then the values least-significant bit first, each split into
// two halves of at most 32 bits so the accumulator never overflows.

import ApusStoreCore

/// Packs and unpacks `UInt64` values at a fixed bit width.
package enum BitPacking64 {
    package static func width(forMax maxValue: UInt64) -> Int {
        maxValue == 0 ? 0 : 64 - maxValue.leadingZeroBitCount
    }

    /// Writes `u8 width`, then the packed values (each must fit in `width` bits).
    package static func encode(_ values: [UInt64], width: Int, into w: inout BinaryWriter) {
        precondition(width >= 0 && width <= 64, "bit width \(width) out of range")
        w.u8(UInt8(width))
        guard width > 0 else { return }
        let low = min(width, 32), high = width - low
        BitSink.pack(bitCount: values.count * width, into: &w) { sink in
            for v in values {
                sink.put(v & ((1 << UInt64(low)) - 1), bits: low)
                if high > 0 { sink.put(v >> 32, bits: high) }
            }
        }
    }

    /// Reads `count` values written by `encode`.
    package static func decode(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [UInt64] {
        let at = r.offset
        let width = Int(try r.u8())
        guard width <= 64 else { throw DecodeFailure(offset: at, reason: "bit width \(width) above 64") }
        let (bitCount, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, count >= 0 else { throw DecodeFailure(offset: at, reason: "bit-packed length overflows") }
        let start = r.offset
        try r.skip(bitCount / 8 + (bitCount % 8 == 0 ? 0 : 1))
        if width == 0 { return [UInt64](repeating: 0, count: count) }
        let base = r.base
        var acc: UInt64 = 0
        var bits = 0
        var p = start
        func take(_ n: Int) -> UInt64 {
            while bits < n {
                acc |= UInt64(base[p]) << UInt64(bits)
                p += 1
                bits += 8
            }
            let v = acc & ((1 << UInt64(n)) - 1)
            acc >>= UInt64(n)
            bits -= n
            return v
        }
        let low = min(width, 32), high = width - low
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                var v = take(low)
                if high > 0 { v |= take(high) << 32 }
                buffer[i] = v
            }
            initialized = count
        }
    }
}
