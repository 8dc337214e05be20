// The encodings of a block's column chunks (docs/on-disk-format.md, "Block parts"). Hot columns
// (uid, time, name, dictionary ids, numbers) are bit-packed so decoding runs at memory speed;
// cold ones (seq, insert id, JSON text) are plain varints and bytes. Pure: bytes in, arrays out.

import ApusStoreCore

enum BlockChunks {
    // MARK: uids: runs, rows being sorted by uid

    /// `varint runs`, then per run `varint uid delta` (from the previous run's uid; the first
    /// from 0) and `varint length`.
    static func encodeUids(_ uids: [UInt32], into w: inout BinaryWriter) {
        var runs: [(UInt32, Int)] = []
        for u in uids {
            if let last = runs.last, last.0 == u { runs[runs.count - 1].1 += 1 } else { runs.append((u, 1)) }
        }
        w.varint(UInt64(runs.count))
        var previous: UInt32 = 0
        for (u, n) in runs {
            w.varint(UInt64(u - previous))
            w.varint(UInt64(n))
            previous = u
        }
    }

    static func decodeUids(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [UInt32] {
        let runs = try r.length()
        var failure: DecodeFailure?
        // Most runs are one row long (a user's events of a day rarely neighbour): the rows are
        // written in place, not appended run by run.
        let out = [UInt32](unsafeUninitializedCapacity: count + 4) { buffer, initialized in
            var filled = 0
            var uid: UInt64 = 0
            do throws(DecodeFailure) {
                var run = 0
                let base = r.base
                while run < runs {
                    // While 20 bytes remain (two varints of at most 10), runs whose two
                    // varints are one byte each are read straight from the bytes.
                    var at = r.offset
                    let stop = r.end - 20
                    while run < runs && at <= stop {
                        let delta = base[at], length = base[at &+ 1]
                        let next = uid &+ UInt64(delta)
                        guard delta < 0x80 && length < 0x80 && length > 0 && Int(length) <= count - filled && next <= UInt64(UInt32.max) else { break }
                        uid = next
                        at &+= 2
                        let value = UInt32(truncatingIfNeeded: uid)
                        if length <= 4 {
                            // Four writes whatever the length (the buffer has room past the
                            // last row), so the common lengths take no branch of their own.
                            buffer[filled] = value
                            buffer[filled &+ 1] = value
                            buffer[filled &+ 2] = value
                            buffer[filled &+ 3] = value
                        } else {
                            for i in filled..<(filled &+ Int(length)) { buffer[i] = value }
                        }
                        filled &+= Int(length)
                        run &+= 1
                    }
                    r.offset = at
                    guard run < runs else { break }
                    // One run with every check (long varints, the last bytes, bad input).
                    run += 1
                    let (next, overflow) = uid.addingReportingOverflow(try r.varint())
                    uid = next
                    let n = try r.varint()
                    guard !overflow, uid <= UInt64(UInt32.max), n > 0, n <= UInt64(count - filled) else {
                        throw DecodeFailure(offset: r.offset, reason: "uid run out of range")
                    }
                    let value = UInt32(uid)
                    for i in filled..<(filled + Int(n)) { buffer[i] = value }
                    filled += Int(n)
                }
                guard filled == count else { throw DecodeFailure(offset: r.offset, reason: "uid runs cover \(filled) of \(count) rows") }
            } catch {
                failure = error
                // Whatever was not written is zeroed, so the array is whole either way.
                for i in filled..<count { buffer[i] = 0 }
            }
            initialized = count
        }
        if let failure { throw failure }
        return out
    }

    // MARK: times: frame of reference from the block's minimum, bit-packed

    static func encodeTimes(_ times: [Int64], base: Int64, into w: inout BinaryWriter) {
        BitPacking.encode(times.map { UInt32(truncatingIfNeeded: $0 - base) }, into: &w)
    }

    static func decodeTimes(_ r: inout BinaryReader, count: Int, base: Int64) throws(DecodeFailure) -> [Int64] {
        try BitPacking.decode(&r, count: count).map { base + Int64($0) }
    }

    // MARK: seqs: zigzag deltas from the previous row (rows are not in seq order)

    static func encodeSeqs(_ seqs: [UInt64], into w: inout BinaryWriter) {
        var previous: UInt64 = 0
        for s in seqs {
            w.zigzag(Int64(bitPattern: s &- previous))
            previous = s
        }
    }

    static func decodeSeqs(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        var previous: UInt64 = 0
        for i in 0..<count {
            previous = previous &+ UInt64(bitPattern: try r.zigzag())
            out[i] = previous
        }
        return out
    }

    // MARK: byte strings: varint lengths, then the bytes

    static func encodeStrings(_ column: StringColumn, rows: [Int]? = nil, into w: inout BinaryWriter) {
        let picked = rows ?? Array(0..<column.count)
        for row in picked { w.varint(UInt64(column.range(of: row).count)) }
        for row in picked { w.bytes.append(contentsOf: column.arena[column.range(of: row)]) }
    }

    /// `count` strings, spread over `rows` of a `rowCount`-row column (every row when nil;
    /// empty where absent).
    static func decodeStrings(_ r: inout BinaryReader, count: Int, rows: [Int]? = nil, rowCount: Int) throws(DecodeFailure) -> StringColumn {
        var lengths = [Int](repeating: 0, count: count)
        var total = 0
        for i in 0..<count {
            lengths[i] = try r.length()
            total += lengths[i]
        }
        let start = r.offset
        try r.skip(total)
        // The strings lie back to back in the chunk: one copy of their bytes, and the ends.
        let arena = [UInt8](UnsafeRawBufferPointer(rebasing: r.base[start..<(start + total)]))
        var ends = [UInt32](repeating: 0, count: rowCount)
        var end = 0, next = 0
        for row in 0..<rowCount {
            if next < count && (rows == nil || rows![next] == row) {
                end += lengths[next]
                next += 1
            }
            ends[row] = UInt32(end)
        }
        return StringColumn(arena: arena, ends: ends)
    }

    // MARK: presence: u8 form (0 every row, 1 bitmap words)

    static func encodePresence(_ present: Bitmap, into w: inout BinaryWriter) {
        if present.setCount == present.count {
            w.u8(0)
        } else {
            w.u8(1)
            for word in present.words { w.u64(word) }
        }
    }

    static func decodePresence(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> Bitmap {
        let at = r.offset
        switch try r.u8() {
        case 0: return Bitmap(count: count, allSet: true)
        case 1:
            var words = [UInt64](repeating: 0, count: (count + 63) / 64)
            for i in words.indices { words[i] = try r.u64() }
            let b = Bitmap(words: words, count: count)
            guard b.words == words else { throw DecodeFailure(offset: at, reason: "presence bits set past the last row") }
            return b
        case let form: throw DecodeFailure(offset: at, reason: "unknown presence form \(form)")
        }
    }

    // MARK: numbers: u8 form (1 scaled integers, 2 doubles)

    /// Scaled integers when every value is `n / 10^k` for an integer n (|n| < 2^53) and k ≤ 6,
    /// exactly: `i64 zigzag base | u8 k | bit-packed (n - base)`. Otherwise 8-byte doubles.
    static func encodeNumbers(_ values: [Double], into w: inout BinaryWriter) {
        if let (scale, ints) = scaled(values) {
            w.u8(1)
            let base = ints.min() ?? 0
            w.zigzag(base)
            w.u8(UInt8(scale))
            let offsets = ints.map { UInt64(bitPattern: $0 &- base) }
            BitPacking64.encode(offsets, width: BitPacking64.width(forMax: offsets.max() ?? 0), into: &w)
        } else {
            w.u8(2)
            for v in values { w.f64(v) }
        }
    }

    static let powers: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    static func scaled(_ values: [Double]) -> (Int, [Int64])? {
        scales: for k in powers.indices {
            let p = powers[k]
            var ints: [Int64] = []
            ints.reserveCapacity(values.count)
            for v in values {
                let s = (v * p).rounded()
                guard abs(s) < 9_007_199_254_740_992, s / p == v, !(v == 0 && v.sign == .minus) else { continue scales }
                ints.append(Int64(s))
            }
            return (k, ints)
        }
        return nil
    }

    static func decodeNumbers(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [Double] {
        let at = r.offset
        switch try r.u8() {
        case 1:
            let base = try r.zigzag()
            let k = Int(try r.u8())
            guard k < powers.count else { throw DecodeFailure(offset: at, reason: "number scale \(k)") }
            let p = powers[k]
            return try BitPacking64.decode(&r, count: count).map { Double(base &+ Int64(bitPattern: $0)) / p }
        case 2:
            var out = [Double](repeating: 0, count: count)
            for i in 0..<count { out[i] = try r.f64() }
            return out
        case let form: throw DecodeFailure(offset: at, reason: "unknown number form \(form)")
        }
    }
}
