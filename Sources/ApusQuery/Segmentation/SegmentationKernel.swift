// The loop of segmentation-style reports. Per block, each row first gets its segment: the
// event's name, or the value of one property (a string's dictionary entry is numbered once per
// block, by its bytes); then its time bucket (a minute table per UTC day); then a count and,
// for unique and average, the user's bit in that cell's set. No allocation per row.

import ApusModel
import ApusStoreCore

/// What splits a report's events into segments.
package enum SegmentBy: Sendable, Equatable {
    /// One segment per event name asked for.
    case event
    /// One segment per value of this event property (strings as they are, numbers as JSON
    /// text, booleans as "true"/"false"); rows without a string, number or boolean value
    /// there are left out.
    case property(String)
}

/// One worker's partial counts; merged with `merge(_:)`.
package struct SegmentationKernel {
    let buckets: TimeBuckets
    let bucketCount: Int
    let needsUsers: Bool
    let segmentBy: SegmentBy
    /// Event names counted, by their bytes.
    private var events = ByteStringTable()
    /// Segments by their bytes, and their names.
    private var segmentTable = ByteStringTable()
    package private(set) var segmentNames: [String] = []
    /// When set, only these segments are counted (the `values` filter).
    private let closed: Bool
    /// Events per cell (segment × bucket).
    package private(set) var counts: [Double] = []
    /// Users per cell, as bitmaps over uids (grown as uids appear).
    package private(set) var users: [[UInt64]] = []
    private var tables: [Int32: [Int32]] = [:]

    package init(buckets: TimeBuckets, events: [String], segmentBy: SegmentBy, values: [String]? = nil, needsUsers: Bool) {
        self.buckets = buckets
        self.bucketCount = buckets.labels.count
        self.needsUsers = needsUsers
        self.segmentBy = segmentBy
        for e in events { _ = self.events.id(of: e) }
        closed = values != nil
        switch segmentBy {
        case .event:
            // Segments in the order the events were asked for.
            for e in events { _ = segment(e) }
        case .property:
            for v in values ?? [] { _ = segment(v, adding: true) }
        }
    }

    /// The segment numbered for `name`, adding it unless the segments are closed (-1 then).
    private mutating func segment(_ name: String, adding: Bool = false) -> Int32 {
        if closed && !adding { return segmentTable.find(name).map(Int32.init) ?? -1 }
        let (id, inserted) = segmentTable.id(of: name)
        if inserted {
            segmentNames.append(name)
            counts += repeatElement(0, count: bucketCount)
            if needsUsers { users += repeatElement([], count: bucketCount) }
        }
        return Int32(id)
    }

    /// Each row's segment in `block` (-1: not counted).
    private mutating func segments(of block: EventBlock) -> [Int32] {
        var nameOK = [Bool](repeating: false, count: block.names.count)
        for (i, name) in block.names.enumerated() { nameOK[i] = events.find(name) != nil }
        switch segmentBy {
        case .event:
            let nameSegment = block.names.indices.map { nameOK[$0] ? segment(block.names[$0]) : -1 }
            return block.nameIds.map { nameSegment[Int($0)] }
        case .property(let key):
            var seg = [Int32](repeating: -1, count: block.count)
            guard let p = block.property(key) else { return seg }
            if let s = p.strings {
                var entrySegment = [Int32](repeating: -2, count: s.dictionary.count)
                s.present.forEachSet { r in
                    guard nameOK[Int(block.nameIds[r])] else { return }
                    let e = Int(s.ids[r])
                    if entrySegment[e] == -2 { entrySegment[e] = segment(s.dictionary[e]) }
                    seg[r] = entrySegment[e]
                }
            }
            if let v = p.numbers {
                var known: [UInt64: Int32] = [:]
                v.present.forEachSet { r in
                    guard nameOK[Int(block.nameIds[r])] else { return }
                    let x = v.values[r]
                    if let id = known[x.bitPattern] { seg[r] = id; return }
                    var text: [UInt8] = []
                    JSONWriter.writeNumber(x, into: &text)
                    let id = segment(String(decoding: text, as: UTF8.self))
                    known[x.bitPattern] = id
                    seg[r] = id
                }
            }
            if let v = p.booleans {
                let yes = segment("true"), no = segment("false")
                v.present.forEachSet { r in
                    guard nameOK[Int(block.nameIds[r])] else { return }
                    seg[r] = v.values[r] ? yes : no
                }
            }
            return seg
        }
    }

    /// Folds one block in.
    package mutating func add(_ block: EventBlock) {
        let seg = segments(of: block)
        let table = tables[block.day] ?? buckets.minuteTable(utcDay: block.day)
        tables[block.day] = table
        let dayStart = Int64(block.day) * 86_400_000
        let nb = bucketCount
        // Each counted row's cell, or -1.
        var cells = [Int32](repeating: -1, count: block.count)
        seg.withUnsafeBufferPointer { seg in
            block.timesMs.withUnsafeBufferPointer { times in
                table.withUnsafeBufferPointer { table in
                    counts.withUnsafeMutableBufferPointer { counts in
                        for r in 0..<block.count {
                            let s = Int(seg[r])
                            guard s >= 0 else { continue }
                            let minute = (times[r] - dayStart) / 60_000
                            guard minute >= 0 && minute < 1440 else { continue }
                            let b = Int(table[Int(minute)])
                            guard b >= 0 else { continue }
                            counts[s * nb + b] += 1
                            cells[r] = Int32(s * nb + b)
                        }
                    }
                }
            }
        }
        guard needsUsers else { return }
        // Rows come in uid order: a user's rows in one cell set the same bit, so only the first
        // of a run is looked at.
        var lastCell = -1, lastUid = -1
        for r in 0..<block.count where cells[r] >= 0 {
            let cell = Int(cells[r])
            let uid = Int(block.uids[r])
            if cell == lastCell && uid == lastUid { continue }
            lastCell = cell
            lastUid = uid
            let word = uid >> 6
            if users[cell].count <= word { users[cell] += [UInt64](repeating: 0, count: word + 1 - users[cell].count) }
            users[cell][word] |= 1 << UInt64(uid & 63)
        }
    }

    /// Adds another worker's partial counts (its segments may be numbered differently).
    package mutating func merge(_ other: SegmentationKernel) {
        let nb = bucketCount
        for (s, name) in other.segmentNames.enumerated() {
            let mine = Int(segment(name))
            guard mine >= 0 else { continue }
            for b in 0..<nb { counts[mine * nb + b] += other.counts[s * nb + b] }
            guard needsUsers else { continue }
            for b in 0..<nb {
                let theirs = other.users[s * nb + b]
                let cell = mine * nb + b
                if users[cell].count < theirs.count { users[cell] += [UInt64](repeating: 0, count: theirs.count - users[cell].count) }
                for w in theirs.indices { users[cell][w] |= theirs[w] }
            }
        }
    }

    /// Distinct users of a cell.
    package func uniqueUsers(cell: Int) -> Int {
        users[cell].reduce(0) { $0 + $1.nonzeroBitCount }
    }
}
