// What a bulk load holds between reading a batch and writing its rows: the batch's records in
// an arena whose addresses stay put, one buffered row per event (sort key, seq, where its
// record lies), and the table through which block builders find records out of file order.

import ApusStoreCore
import CPrefetch

/// Events of one batch, read as far as ordering needs (time, distinct id), their records
/// kept as they are: blocks are built once the rows are sorted.
package struct PreparedBatch: Sendable {
    package var records: RecordArena
    /// Each event's time, in batch order.
    package var timesMs: [Int64] = []
    /// Where each event's distinct id lies in `records` (UTF-8 bytes), in batch order.
    package var distinctIds: [RecordArena.Span] = []
    /// The identity facts of the batch's events, in order.
    package var links: [IdentityLink] = []

    package var count: Int { timesMs.count }
}

/// Event records in one allocation of their exact size, whose addresses stay put for as long
/// as the arena lives (so block builders on several threads read them in place).
package final class RecordArena: @unchecked Sendable {
    private let base: UnsafeMutableRawBufferPointer
    private let ranges: [Range<Int>]

    package init(_ records: EventRecords) {
        let base = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, records.writer.count), alignment: 8)
        records.bytes.withUnsafeBytes { bytes in
            if let from = bytes.baseAddress { base.baseAddress!.copyMemory(from: from, byteCount: bytes.count) }
        }
        self.base = base
        ranges = records.ranges
    }

    deinit { base.deallocate() }

    package var count: Int { ranges.count }

    /// Bytes within the arena.
    package struct Span: Sendable {
        package var start: UInt32
        package var count: UInt32
    }

    /// Where record `i` starts in the arena.
    package func start(of i: Int) -> Int { ranges[i].lowerBound }

    /// The arena's bytes (valid while it lives).
    var all: UnsafeRawBufferPointer { UnsafeRawBufferPointer(base) }

    /// The bytes of `span` (valid while the arena lives).
    package func bytes(_ span: Span) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: base[Int(span.start)..<(Int(span.start) + Int(span.count))])
    }

    /// The bytes of `span` as text.
    package func string(_ span: Span) -> String {
        String(decoding: bytes(span), as: UTF8.self)
    }

    /// Record `i`'s bytes (valid while the arena lives).
    package func record(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: base[ranges[i]])
    }
}

/// A buffered row: its sort key (uid in the high 32 bits, milliseconds into its day below),
/// sequence number, and where its record is: the batch's arena and the offset in it (so that
/// finding a record read out of file order costs no lookup of its range).
package struct BufferedRow: Sendable {
    package var key: UInt64
    package var seq: UInt64
    package var batch: UInt32
    package var offset: UInt32

    package init(key: UInt64, seq: UInt64, batch: UInt32, offset: UInt32) {
        self.key = key
        self.seq = seq
        self.batch = batch
        self.offset = offset
    }
}

/// The record arenas a generation reads, by batch number. Rows find their records through the
/// arenas' addresses, which the table keeps alive: reading one takes no reference count (two
/// threads counting on the same arenas would fight over their cache lines).
package struct ArenaTable: @unchecked Sendable {
    private let first: UInt32
    private let arenas: [RecordArena]
    /// Each batch's bytes, by batch number from `first` (empty for a number not in the table).
    private let bytes: [UnsafeRawBufferPointer]

    package init(_ batches: [UInt32: RecordArena]) {
        first = batches.keys.min() ?? 0
        var bytes = [UnsafeRawBufferPointer](repeating: UnsafeRawBufferPointer(start: nil, count: 0),
                                             count: batches.isEmpty ? 0 : Int(batches.keys.max()! - first) + 1)
        for (number, arena) in batches { bytes[Int(number - first)] = arena.all }
        self.bytes = bytes
        arenas = Array(batches.values)
    }

    /// `row`'s record: its bytes run to the end of its arena (records end by their own layout).
    @inline(__always)
    func record(_ row: BufferedRow) -> UnsafeRawBufferPointer {
        let all = bytes[Int(row.batch &- first)]
        return UnsafeRawBufferPointer(rebasing: all[Int(row.offset)...])
    }

    /// Asks for `row`'s record (its first 320 bytes) to be brought into the cache.
    @inline(__always)
    func prefetch(_ row: BufferedRow) {
        let all = bytes[Int(row.batch &- first)]
        guard let base = all.baseAddress else { return }
        var offset = Int(row.offset)
        let end = min(all.count, offset + 320)
        while offset < end {
            apus_prefetch(base + offset)
            offset += 64
        }
    }
}
