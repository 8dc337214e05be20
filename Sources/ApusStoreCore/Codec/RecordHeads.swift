// What a bulk load needs of each event record before it sorts them, noted by whoever writes
// the records (the import's transcoder knows these as it writes them), so the loader need not
// read every record again: its time, where its distinct id's bytes lie, and whether it can
// hold an identity fact at all.

/// Per record of an `EventRecords` batch, in the same order.
package struct RecordHeads: Sendable {
    /// Each record's time.
    package var timesMs: [Int64] = []
    /// Where each record's distinct id lies in the batch's bytes.
    package var distinctIdStarts: [UInt32] = []
    package var distinctIdCounts: [UInt32] = []
    /// False when the record certainly holds no identity fact (`IdentityLink`): neither an
    /// identity event nor one with `$user_id`. True means it is worth reading for one.
    package var mayHoldLinks: [Bool] = []

    package init() {}

    package var count: Int { timesMs.count }

    /// The heads of every record in `records`, read from their bytes (each may hold an
    /// identity fact, as far as these can tell).
    package init(reading records: EventRecords) throws(DecodeFailure) {
        for range in records.ranges { try noteHead(of: records, range) }
    }

    /// Notes the record just committed to `records`, reading its head (the general path, and
    /// anything written from an `Event`). Returns false when the record cannot be read.
    @discardableResult
    package mutating func noteLast(of records: EventRecords) -> Bool {
        guard let range = records.ranges.last else { return false }
        do throws(DecodeFailure) {
            try noteHead(of: records, range)
            return true
        } catch {
            return false
        }
    }

    /// Notes the record at `range` of `records` from its bytes.
    private mutating func noteHead(of records: EventRecords, _ range: Range<Int>) throws(DecodeFailure) {
        let head = records.bytes.withUnsafeBytes { all in
            Result { () throws(DecodeFailure) in
                var r = BinaryReader(all, start: range.lowerBound, end: range.upperBound)
                let time = try r.zigzag()
                _ = try r.bytes() // name
                let id = try r.bytes()
                return (time, r.offset - id.count, id.count)
            }
        }
        let (time, start, count) = try head.get()
        note(timeMs: time, distinctIdStart: start, distinctIdCount: count, mayHoldLinks: true)
    }

    package mutating func note(timeMs: Int64, distinctIdStart: Int, distinctIdCount: Int, mayHoldLinks: Bool) {
        timesMs.append(timeMs)
        distinctIdStarts.append(UInt32(truncatingIfNeeded: distinctIdStart))
        distinctIdCounts.append(UInt32(truncatingIfNeeded: distinctIdCount))
        self.mayHoldLinks.append(mayHoldLinks)
    }
}
