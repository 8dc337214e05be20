// One durable batch of events as the memtable holds it: the WAL payload bytes themselves,
// with the range of each record and its time lifted out for day filtering. Immutable, so
// readers share chunks without locks and without copying.

/// Events appended together, readable in place.
import ApusStoreCore

package final class MemtableChunk: Sendable {
    /// The first event's sequence number; event `i` has `firstSeq + i`.
    package let firstSeq: UInt64
    /// When the batch was received (ms).
    package let receivedMs: Int64
    package let bytes: [UInt8]
    package let ranges: [Range<Int>]
    /// Each event's time in ms (the first field of its record).
    package let timesMs: [Int64]

    package var count: Int { ranges.count }

    package init(firstSeq: UInt64, receivedMs: Int64, bytes: [UInt8], ranges: [Range<Int>]) {
        self.firstSeq = firstSeq
        self.receivedMs = receivedMs
        self.bytes = bytes
        self.ranges = ranges
        self.timesMs = bytes.withUnsafeBytes { buf in
            ranges.map { range in
                var r = BinaryReader(buf, start: range.lowerBound, end: range.upperBound)
                return (try? r.zigzag()) ?? 0
            }
        }
    }

    /// A chunk from records read back from the WAL.
    package convenience init(firstSeq: UInt64, receivedMs: Int64, records: [[UInt8]]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.reduce(0) { $0 + $1.count })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(records.count)
        for r in records {
            ranges.append(bytes.count..<(bytes.count + r.count))
            bytes.append(contentsOf: r)
        }
        self.init(firstSeq: firstSeq, receivedMs: receivedMs, bytes: bytes, ranges: ranges)
    }

    /// Record `i`'s bytes.
    package func record(at i: Int) -> [UInt8] { Array(bytes[ranges[i]]) }

    /// Decodes event `i`.
    package func event(at i: Int) throws(DecodeFailure) -> StoredEvent {
        let range = ranges[i]
        let result: Result<StoredEvent, DecodeFailure> = bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf, start: range.lowerBound, end: range.upperBound)
            do throws(DecodeFailure) {
                return .success(StoredEvent(seq: firstSeq + UInt64(i), event: try EventCodec.decode(&r)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
