// The `$insert_id` column: one entry per row. Most insert ids are UUIDs or 32-digit hex made by
// SDKs and by our own enrichment; those are stored as their 16 raw bytes, anything else as the
// string. Each row starts with a varint header h: form = h & 3, and
//   form 0: h >> 2 is a byte length; that many UTF-8 bytes follow;
//   form 1: 16 bytes follow, printed as a lowercase UUID (8-4-4-4-12 hex digits with dashes);
//   form 2: 16 bytes follow, printed as an uppercase UUID;
//   form 3: 16 bytes follow, printed as 32 lowercase hex digits.
// Forms 1–3 require h >> 2 == 0. Decoding reproduces the original text exactly.

/// Encodes and decodes the per-row `$insert_id` strings.
package enum InsertIdColumn {
    private static let lower: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Writes one entry per insert id.
    package static func encode(_ ids: [String], into w: inout BinaryWriter) {
        for id in ids { encode(id, into: &w) }
    }

    /// Writes the entry of one insert id.
    @inline(__always)
    package static func encode(_ id: String, into w: inout BinaryWriter) {
        var id = id
        id.withUTF8 { u in
            // Local buffers: indexing the static tables directly retains them on every access.
            classes.withUnsafeBufferPointer { classes in
                if let form = form(of: u, classes) {
                    w.varint(UInt64(form))
                    nibbles.withUnsafeBufferPointer { nibbles in
                        var p = 0
                        for _ in 0..<16 {
                            if u[p] == dash { p += 1 }
                            w.u8(nibbles[Int(u[p])] << 4 | nibbles[Int(u[p + 1])])
                            p += 2
                        }
                    }
                } else {
                    w.varint(UInt64(u.count) << 2)
                    w.bytes.append(contentsOf: u)
                }
            }
        }
    }

    /// Reads `count` insert ids.
    package static func decode(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> [String] {
        guard count >= 0, count <= r.remaining else {
            throw DecodeFailure(offset: r.offset, reason: "\(count) insert ids cannot fit in \(r.remaining) bytes")
        }
        var ids: [String] = []
        ids.reserveCapacity(count)
        for _ in 0..<count {
            let at = r.offset
            let h = try r.varint()
            let form = Int(h & 3)
            if form == 0 {
                guard h >> 2 <= UInt64(r.remaining) else { throw DecodeFailure(offset: at, reason: "insert id longer than the section") }
                let n = Int(h >> 2)
                let slice = UnsafeRawBufferPointer(rebasing: r.base[r.offset..<(r.offset + n)])
                guard let s = decodeUTF8(slice.assumingMemoryBound(to: UInt8.self)) else {
                    throw DecodeFailure(offset: r.offset, reason: "insert id is not valid UTF-8")
                }
                try r.skip(n)
                ids.append(s)
            } else {
                guard h >> 2 == 0 else { throw DecodeFailure(offset: at, reason: "reserved insert id header bits set") }
                let start = r.offset
                try r.skip(16)
                let digits = form == 2 ? upper : lower
                let length = form == 3 ? 32 : 36
                let base = r.base
                ids.append(String(unsafeUninitializedCapacity: length) { out in
                    var o = 0
                    for i in 0..<16 {
                        if form != 3, o == 8 || o == 13 || o == 18 || o == 23 { out[o] = UInt8(ascii: "-"); o += 1 }
                        let b = base[start + i]
                        out[o] = digits[Int(b >> 4)]
                        out[o + 1] = digits[Int(b & 15)]
                        o += 2
                    }
                    return length
                })
            }
        }
        return ids
    }

    /// The compact form (1–3) that reproduces `u` exactly, or nil.
    @inline(__always)
    private static func form(of u: UnsafeBufferPointer<UInt8>, _ classes: UnsafeBufferPointer<UInt8>) -> Int? {
        var seen: UInt8 = 0
        if u.count == 32 {
            for c in u { seen |= classes[Int(c)] }
            return seen & ~(digit | lowerHex) == 0 ? 3 : nil
        }
        guard u.count == 36, u[8] == dash, u[13] == dash, u[18] == dash, u[23] == dash else { return nil }
        for (i, c) in u.enumerated() where i != 8 && i != 13 && i != 18 && i != 23 { seen |= classes[Int(c)] }
        switch seen & ~digit {
        case 0, lowerHex: return 1
        case upperHex: return 2
        default: return nil
        }
    }

    private static let dash = UInt8(ascii: "-")
    private static let digit: UInt8 = 1, lowerHex: UInt8 = 2, upperHex: UInt8 = 4, other: UInt8 = 8

    /// The character class of each byte.
    private static let classes: [UInt8] = (0..<256).map { b -> UInt8 in
        switch UInt8(b) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit
        case UInt8(ascii: "a")...UInt8(ascii: "f"): lowerHex
        case UInt8(ascii: "A")...UInt8(ascii: "F"): upperHex
        default: other
        }
    }

    /// The value of each hex digit byte (0 for other bytes, which `form(of:)` rules out).
    private static let nibbles: [UInt8] = (0..<256).map { b -> UInt8 in
        switch UInt8(b) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(b) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(b) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(b) - UInt8(ascii: "A") + 10
        default: 0
        }
    }
}
