// The `$insert_id` chunk: SDKs send random UUIDs (the Python SDK 32 hex digits, others the
// dashed form), which as text take 32–36 bytes that no compressor can shrink below their 16
// random bytes. Those are stored as the 16 bytes; anything else as text.
//
//   bitpacked form per row: 0 text, 1 32 lowercase hex digits, 2 dashed lowercase UUID,
//                           3 32 uppercase hex digits, 4 dashed uppercase UUID
//   16 bytes per row of forms 1–4, in row order
//   the rows of form 0 as in the strings chunks (varint lengths, then the bytes)

import ApusStoreCore

enum InsertIdChunk {
    static func encode(_ ids: StringColumn, into w: inout BinaryWriter) {
        var forms: [UInt32] = []
        forms.reserveCapacity(ids.count)
        var binary: [UInt8] = []
        var textRows: [Int] = []
        ids.arena.withUnsafeBufferPointer { a in
            for row in 0..<ids.count {
                let id = UnsafeBufferPointer(rebasing: a[ids.range(of: row)])
                let form = packed(id, into: &binary)
                forms.append(form)
                if form == 0 { textRows.append(row) }
            }
        }
        BitPacking.encode(forms, into: &w)
        w.bytes += binary
        BlockChunks.encodeStrings(ids, rows: textRows, into: &w)
    }

    static func decode(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> StringColumn {
        let forms = try BitPacking.decode(&r, count: count, bound: 5)
        let packedRows = forms.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        let binaryStart = r.offset
        try r.skip(packedRows * 16)
        let text = try BlockChunks.decodeStrings(&r, count: count - packedRows, rowCount: count - packedRows)
        // No id was packed (ids other than UUIDs): the text is the column as it stands.
        if packedRows == 0 { return text }
        var out = StringColumn()
        out.reserve(rows: count, bytes: packedRows * 36 + text.arena.count)
        var binary = binaryStart, next = 0
        var buffer = [UInt8](repeating: 0, count: 36)
        text.arena.withUnsafeBufferPointer { arena in
            for form in forms {
                if form == 0 {
                    out.append(bytes: UnsafeBufferPointer(rebasing: arena[text.range(of: next)]))
                    next += 1
                    continue
                }
                let n = unpack(r.base, at: binary, form: form, into: &buffer)
                buffer.withUnsafeBufferPointer { out.append(bytes: UnsafeBufferPointer(rebasing: $0[0..<n])) }
                binary += 16
            }
        }
        return out
    }

    private static let lower = Array("0123456789abcdef".utf8), upper = Array("0123456789ABCDEF".utf8)

    /// The form of `id`, appending its 16 bytes to `binary` when it has one.
    private static func packed(_ id: UnsafeBufferPointer<UInt8>, into binary: inout [UInt8]) -> UInt32 {
        let dashed = id.count == 36
        guard id.count == 32 || dashed else { return 0 }
        if dashed { for i in [8, 13, 18, 23] where id[i] != UInt8(ascii: "-") { return 0 } }
        var digits: [UInt8] = []
        digits.reserveCapacity(32)
        var isLower = true, isUpper = true
        for (i, c) in id.enumerated() where !(dashed && [8, 13, 18, 23].contains(i)) {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(c - UInt8(ascii: "a") + 10); isUpper = false
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(c - UInt8(ascii: "A") + 10); isLower = false
            default: return 0
            }
        }
        guard isLower || isUpper else { return 0 }
        for i in stride(from: 0, to: 32, by: 2) { binary.append(digits[i] << 4 | digits[i + 1]) }
        return (dashed ? 2 : 1) + (isLower ? 0 : 2)
    }

    /// Writes the text of a packed id into `buffer`; returns its length.
    private static func unpack(_ base: UnsafeRawBufferPointer, at offset: Int, form: UInt32, into buffer: inout [UInt8]) -> Int {
        let hex = form >= 3 ? upper : lower
        let dashed = form == 2 || form == 4
        var n = 0
        for i in 0..<16 {
            if dashed && (i == 4 || i == 6 || i == 8 || i == 10) {
                buffer[n] = UInt8(ascii: "-")
                n += 1
            }
            let b = base[offset + i]
            buffer[n] = hex[Int(b >> 4)]
            buffer[n + 1] = hex[Int(b & 0x0F)]
            n += 2
        }
        return n
    }
}
