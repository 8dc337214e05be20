// The bytes of a project's user-id dictionary file, `projects/<id>/user-ids`:
//
//   "APUSUID1"                                        8-byte header
//   frame*:
//     u32 firstUid | u32 count | u32 payloadBytes     little-endian
//     u32 CRC-32C of the 12 bytes above and the payload
//     payload: count × (uvarint byteLength | UTF-8 bytes of the distinct id)
//
// Frames are appended, never rewritten; frame k's firstUid is the total count of the frames
// before it. Pure encode and scan; UserIdDictionary does the I/O.

import ApusStoreCore

/// Encoding and scanning of user-id dictionary files.
package enum UserIdFile {
    package static let magic = Array("APUSUID1".utf8)
    static let frameHeaderBytes = 16
    /// A frame's payload never exceeds this; larger batches span several frames.
    package static let framePayloadBytesMax = 8 << 20
    /// The longest distinct id the dictionary stores (ingestion allows 255 characters).
    package static let idBytesMax = 4096

    /// One frame for `ids` (already checked against the limits), numbered from `firstUid`.
    package static func frame(firstUid: UInt32, ids: [ArraySlice<UInt8>]) -> [UInt8] {
        var w = BinaryWriter(capacity: frameHeaderBytes + ids.reduce(0) { $0 + $1.count + 2 })
        w.u32(firstUid)
        w.u32(UInt32(ids.count))
        w.u32(0)
        w.u32(0)
        for id in ids {
            w.varint(UInt64(id.count))
            w.raw(Array(id))
        }
        let payloadBytes = w.bytes.count - frameHeaderBytes
        w.patchU32(UInt32(payloadBytes), at: 8)
        var crc = CRC32C.checksum(w.bytes, range: 0..<12)
        crc = CRC32C.checksum(w.bytes, range: frameHeaderBytes..<w.bytes.count, seed: crc)
        w.patchU32(crc, at: 12)
        return w.bytes
    }

    /// What a scan found.
    package struct Scan {
        /// The ids of every whole, valid frame, in uid order.
        package var table = UserIdTable()
        /// Bytes of the file that hold the header and whole, valid frames.
        package var validLength = 0
        /// Why the scan stopped before the end of the file, if it did.
        package var stopReason: String?
        /// Whether what follows `validLength` can only be a torn append (the last frame is
        /// incomplete or fails its check, and nothing follows it). Otherwise it is damage.
        package var tornTail = false
        package var frames = 0
    }

    /// Reads every frame; stops at the first that is incomplete, fails its checksum or breaks
    /// the numbering (a duplicate id, a wrong firstUid, an overlong id).
    package static func scan(_ bytes: [UInt8]) -> Scan {
        var scan = Scan()
        if bytes.isEmpty {
            scan.tornTail = true
            scan.stopReason = "empty file"
            return scan
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            scan.tornTail = bytes.count < magic.count && magic.starts(with: bytes)
            scan.stopReason = "not a user-id dictionary (bad header)"
            return scan
        }
        var offset = magic.count
        scan.validLength = offset
        bytes.withUnsafeBytes { b in
            while offset < b.count {
                func stop(_ reason: String, torn: Bool) { scan.stopReason = reason; scan.tornTail = torn }
                guard offset + frameHeaderBytes <= b.count else { return stop("incomplete frame header at byte \(offset)", torn: true) }
                let firstUid = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let count = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
                let payloadBytes = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)))
                let stored = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                let end = offset + frameHeaderBytes + payloadBytes
                let isLast = end >= b.count
                guard payloadBytes <= framePayloadBytesMax else {
                    return stop("frame at byte \(offset) declares \(payloadBytes) payload bytes", torn: false)
                }
                guard end <= b.count else { return stop("incomplete frame at byte \(offset)", torn: true) }
                var crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[offset..<(offset + 12)]))
                crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[(offset + frameHeaderBytes)..<end]), seed: crc)
                guard crc == stored else { return stop("checksum mismatch in frame at byte \(offset)", torn: isLast) }
                guard Int(firstUid) == scan.table.count else {
                    return stop("frame at byte \(offset) starts at uid \(firstUid), expected \(scan.table.count)", torn: false)
                }
                guard scan.table.count + count <= Int(UInt32.max) else {
                    return stop("frame at byte \(offset) numbers past the uid space", torn: false)
                }
                let before = scan.table.count
                var r = BinaryReader(b, start: offset + frameHeaderBytes, end: end)
                var problem: String? = nil
                for _ in 0..<count {
                    guard let n = try? r.length(), n <= idBytesMax, r.offset + n <= end else { problem = "malformed id"; break }
                    let id = UnsafeRawBufferPointer(rebasing: b[r.offset..<(r.offset + n)])
                    if scan.table.uid(ofBytes: id) != nil { problem = "duplicate id"; break }
                    scan.table.append(id)
                    try? r.skip(n)
                }
                if problem == nil && r.offset != end { problem = "trailing bytes" }
                if let problem {
                    scan.table.truncate(to: before)
                    return stop("\(problem) in frame at byte \(offset)", torn: false)
                }
                offset = end
                scan.validLength = end
                scan.frames += 1
            }
        }
        return scan
    }
}
