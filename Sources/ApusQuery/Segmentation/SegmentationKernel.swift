// The loop of segmentation-style reports: for each row of a block, its segment (the event's
// place in the request) and its time bucket (a minute table per UTC day), then a count and,
// for unique and average, the user's bit in that cell's set. No allocation per row.

import ApusStoreCore

/// One worker's partial counts; merged with `merge(_:)`.
package struct SegmentationKernel {
    let buckets: TimeBuckets
    let segmentOfName: [String: Int]
    let bucketCount: Int
    let needsUsers: Bool
    /// Events per cell (segment × bucket).
    package private(set) var counts: [Double]
    /// Users per cell, as bitmaps over uids (grown as uids appear).
    package private(set) var users: [[UInt64]]
    private var tables: [Int32: [Int32]] = [:]

    package init(buckets: TimeBuckets, segments: [String], needsUsers: Bool) {
        self.buckets = buckets
        self.bucketCount = buckets.labels.count
        self.needsUsers = needsUsers
        var index: [String: Int] = [:]
        for (i, s) in segments.enumerated() where index[s] == nil { index[s] = i }
        segmentOfName = index
        counts = [Double](repeating: 0, count: segments.count * buckets.labels.count)
        users = needsUsers ? Array(repeating: [], count: segments.count * buckets.labels.count) : []
    }

    /// Folds one block in.
    package mutating func add(_ block: EventBlock) {
        // Event names are compared as their exact bytes.
        let nameSegment: [Int] = block.names.map { name in
            segmentOfName.first { $0.key.utf8.elementsEqual(name.utf8) }?.value ?? -1
        }
        let table = tables[block.day] ?? buckets.minuteTable(utcDay: block.day)
        tables[block.day] = table
        let dayStart = Int64(block.day) * 86_400_000
        let nb = bucketCount
        block.nameIds.withUnsafeBufferPointer { nameIds in
            block.timesMs.withUnsafeBufferPointer { times in
                table.withUnsafeBufferPointer { table in
                    counts.withUnsafeMutableBufferPointer { counts in
                        for r in 0..<block.count {
                            let s = nameSegment[Int(nameIds[r])]
                            guard s >= 0 else { continue }
                            let minute = (times[r] - dayStart) / 60_000
                            guard minute >= 0 && minute < 1440 else { continue }
                            let b = Int(table[Int(minute)])
                            guard b >= 0 else { continue }
                            counts[s * nb + b] += 1
                        }
                    }
                }
            }
        }
        guard needsUsers else { return }
        for r in 0..<block.count {
            let s = nameSegment[Int(block.nameIds[r])]
            guard s >= 0 else { continue }
            let minute = (block.timesMs[r] - dayStart) / 60_000
            guard minute >= 0 && minute < 1440 else { continue }
            let b = Int(table[Int(minute)])
            guard b >= 0 else { continue }
            let uid = Int(block.uids[r])
            let cell = s * nb + b
            let word = uid >> 6
            if users[cell].count <= word { users[cell] += [UInt64](repeating: 0, count: word + 1 - users[cell].count) }
            users[cell][word] |= 1 << UInt64(uid & 63)
        }
    }

    /// Adds another worker's partial counts.
    package mutating func merge(_ other: SegmentationKernel) {
        for i in counts.indices { counts[i] += other.counts[i] }
        guard needsUsers else { return }
        for cell in users.indices {
            let theirs = other.users[cell]
            if users[cell].count < theirs.count { users[cell] += [UInt64](repeating: 0, count: theirs.count - users[cell].count) }
            for w in theirs.indices { users[cell][w] |= theirs[w] }
        }
    }

    /// Distinct users of a cell.
    package func uniqueUsers(cell: Int) -> Int {
        users[cell].reduce(0) { $0 + $1.nonzeroBitCount }
    }
}
