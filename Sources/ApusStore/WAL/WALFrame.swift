// One WAL frame: a batch of records appended and fsynced together (one frame per request).
//
//   u32 payload length | u32 CRC-32C(payload ‖ firstSeq) | payload | u64 firstSeq
//   payload = u8 kind | zigzag receivedMs | varint count | count × (varint length, bytes)
//
// The caller encodes and checksums the payload off the commit thread; the commit thread only
// appends the sequence number and extends the checksum over it (CRC chaining). See
// docs/on-disk-format.md.

import ApusStoreCore
import ApusModel

/// What the records in a frame are.
package enum WALRecordKind: UInt8, Sendable {
    /// `EventCodec` records.
    case events = 1
    /// `/engage` updates: compact JSON text of the record.
    case userUpdates = 2
    /// `/groups` updates: compact JSON text of the record.
    case groupUpdates = 3
    /// Identity facts of flushed events (`IdentityLink.json`); only in the update log, never
    /// in the WAL (the WAL's events hold them).
    case identityLinks = 4
    /// GDPR/CCPA deletion requests (`DeletionTask.json`).
    case deletions = 5

    /// The log's record kind for a batch of profile updates.
    package init(_ kind: ProfileUpdateKind) {
        switch kind {
        case .user: self = .userUpdates
        case .group: self = .groupUpdates
        case .deletion: self = .deletions
        }
    }
}

/// A frame payload encoded and checksummed, waiting for its sequence number.
package struct WALPayload: Sendable {
    package var kind: WALRecordKind
    package var receivedMs: Int64
    package var count: Int
    package var bytes: [UInt8]
    package var payloadCRC: UInt32

    /// Where each record's bytes lie in `bytes`.
    package var recordRanges: [Range<Int>]

    /// Encodes `records` (each already in its record form) into a payload.
    package init(kind: WALRecordKind, receivedMs: Int64, records: [[UInt8]]) {
        var w = Self.header(kind: kind, receivedMs: receivedMs, count: records.count,
                            capacity: records.reduce(16) { $0 + $1.count + 3 })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(records.count)
        for r in records {
            w.varint(UInt64(r.count))
            ranges.append(w.count..<(w.count + r.count))
            w.raw(r)
        }
        self.init(kind: kind, receivedMs: receivedMs, writer: w, ranges: ranges)
    }

    /// Copies event records (`EventCodec`'s layout) into the payload.
    package init(receivedMs: Int64, records: EventRecords) {
        var w = Self.header(kind: .events, receivedMs: receivedMs, count: records.count,
                            capacity: records.bytes.count + records.count * 3 + 16)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(records.count)
        records.bytes.withUnsafeBufferPointer { all in
            for r in records.ranges {
                w.varint(UInt64(r.count))
                ranges.append(w.count..<(w.count + r.count))
                w.raw(UnsafeBufferPointer(rebasing: all[r]))
            }
        }
        self.init(kind: .events, receivedMs: receivedMs, writer: w, ranges: ranges)
    }

    /// Encodes events into the payload.
    package init(receivedMs: Int64, events: [Event]) {
        self.init(receivedMs: receivedMs, records: EventRecords(events))
    }

    private init(kind: WALRecordKind, receivedMs: Int64, writer w: BinaryWriter, ranges: [Range<Int>]) {
        self.kind = kind
        self.receivedMs = receivedMs
        self.count = ranges.count
        self.bytes = w.bytes
        self.recordRanges = ranges
        self.payloadCRC = CRC32C.checksum(w.bytes)
    }

    private static func header(kind: WALRecordKind, receivedMs: Int64, count: Int, capacity: Int) -> BinaryWriter {
        var w = BinaryWriter(capacity: capacity)
        w.u8(kind.rawValue)
        w.zigzag(receivedMs)
        w.varint(UInt64(count))
        return w
    }

    /// The complete frame bytes for `firstSeq`.
    package func frame(firstSeq: UInt64) -> [UInt8] {
        var w = BinaryWriter(capacity: bytes.count + 16)
        var seqLE = firstSeq.littleEndian
        let crc = withUnsafeBytes(of: &seqLE) { CRC32C.checksum($0, seed: payloadCRC) }
        w.u32(UInt32(bytes.count))
        w.u32(crc)
        w.raw(bytes)
        w.u64(firstSeq)
        return w.bytes
    }

    /// Bytes a frame adds around the payload.
    package static let overheadBytes = 16
}

/// A frame read back from a segment.
package struct WALFrame: Sendable {
    package var kind: WALRecordKind
    package var firstSeq: UInt64
    package var receivedMs: Int64
    /// Each record's bytes.
    package var records: [[UInt8]]
    /// Offset of the frame in its segment, and its total length.
    package var offset: Int
    package var length: Int
}
