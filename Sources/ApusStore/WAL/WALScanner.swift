// Reads a segment's bytes back into frames and says where the valid prefix ends.
// Pure: no I/O, so torn tails and bit flips are tested on byte arrays.

import ApusStoreCore

/// The outcome of scanning a segment.
package struct WALScan: Sendable {
    /// Frames that passed every check, in order.
    package var frames: [WALFrame]
    /// Length of the valid prefix (header plus whole frames).
    package var validLength: Int
    /// Why scanning stopped before the end, when it did.
    package var stopReason: String?
}

/// Segment header: 8 magic bytes.
package enum WALSegmentHeader {
    package static let magic: [UInt8] = Array("APUSWAL1".utf8)
}

package enum WALScanner {
    /// Refuse frames whose declared payload exceeds this (a damaged length field).
    package static let framePayloadBytesMax = 256 << 20

    /// Scans `bytes`; every frame is checked whole, but only those `keepRecords` says yes to
    /// (by kind and first sequence number) get their records copied out (others have none).
    package static func scan(_ bytes: [UInt8], keepRecords: (WALRecordKind, UInt64) -> Bool = { _, _ in true }) -> WALScan {
        let magic = WALSegmentHeader.magic
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            return WALScan(frames: [], validLength: 0,
                           stopReason: bytes.isEmpty ? "empty segment" : "bad segment header")
        }
        var frames: [WALFrame] = []
        var offset = magic.count
        var stop: String? = nil
        bytes.withUnsafeBytes { buf in
            while offset < buf.count {
                var r = BinaryReader(buf, start: offset)
                do throws(DecodeFailure) {
                    let length = Int(try r.u32())
                    let crc = try r.u32()
                    guard length <= framePayloadBytesMax else {
                        throw DecodeFailure(offset: offset, reason: "frame length \(length) is implausible")
                    }
                    let payloadStart = r.offset
                    try r.skip(length)
                    let seq = try r.u64()
                    let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buf[payloadStart..<(payloadStart + length + 8)]))
                    guard computed == crc else {
                        throw DecodeFailure(offset: offset, reason: "checksum mismatch")
                    }
                    var p = BinaryReader(buf, start: payloadStart, end: payloadStart + length)
                    guard let kind = WALRecordKind(rawValue: try p.u8()) else {
                        throw DecodeFailure(offset: offset, reason: "unknown record kind")
                    }
                    let receivedMs = try p.zigzag()
                    let count = try p.length()
                    let keep = keepRecords(kind, seq)
                    var records: [[UInt8]] = []
                    if keep { records.reserveCapacity(count) }
                    for _ in 0..<count {
                        let n = try p.length()
                        if keep { records.append(Array(UnsafeRawBufferPointer(rebasing: buf[p.offset..<(p.offset + n)]))) }
                        try p.skip(n)
                    }
                    guard p.isAtEnd else { throw DecodeFailure(offset: offset, reason: "payload has trailing bytes") }
                    frames.append(WALFrame(kind: kind, firstSeq: seq, receivedMs: receivedMs, records: records,
                                           offset: offset, length: r.offset - offset))
                    offset = r.offset
                } catch {
                    stop = "\(error.reason) at byte \(offset)"
                    break
                }
            }
        }
        return WALScan(frames: frames, validLength: offset, stopReason: stop)
    }
}
