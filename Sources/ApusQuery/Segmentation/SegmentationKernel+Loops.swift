// The segmentation kernel's loops over whole blocks: counts per dictionary entry of a string
// property, histograms of ids, and the user bitmaps of unique counts. `SegmentationKernel`
// decides which applies to a block; these do the per-row work.

import ApusExpression
import ApusStoreCore

extension SegmentationKernel {
    /// Event counts per value of a string property in whole-day buckets: one pass counts the
    /// kept rows per dictionary entry (entry + 1; slot 0 for rows not counted), then each entry
    /// seen becomes a segment once. No per-row segment array; with one event counted, only
    /// its rows are visited, otherwise every row without a branch.
    mutating func addCountsByEntry(_ block: EventBlock, _ s: StringValues, bucket b: Int, keep: Bitmap?) {
        guard b >= 0, !s.dictionary.isEmpty else { return }
        let okMask = block.names.map { events.find($0) != nil ? -1 : 0 }
        let slots = s.dictionary.count + 1
        var words = s.present.words
        if let keep { for w in words.indices { words[w] &= keep.words[w] } }
        var h = [Int](repeating: 0, count: slots * 4)
        let countedNames = okMask.indices.filter { okMask[$0] != 0 }
        if countedNames.count == 1 {
            // One event counted: its rows as a bitmap (vector compares), and a histogram
            // step for each row that is counted, skipping the others a word at a time.
            let rows = VectorFilter.selectEqual(Bitmap(words: words, count: block.count), block.nameIds, UInt32(countedNames[0]))
            h.withUnsafeMutableBufferPointer { h in
                rows.words.withUnsafeBufferPointer { words in
                    s.ids.withUnsafeBufferPointer { ids in
                        for w in words.indices {
                            var x = words[w]
                            while x != 0 {
                                let r = (w &<< 6) | x.trailingZeroBitCount
                                h[(Int(ids[r]) &+ 1) &* 4 &+ (r & 3)] &+= 1
                                x &= x &- 1
                            }
                        }
                    }
                }
            }
        } else {
            h.withUnsafeMutableBufferPointer { h in
                words.withUnsafeBufferPointer { words in
                    okMask.withUnsafeBufferPointer { ok in
                        block.nameIds.withUnsafeBufferPointer { names in
                            s.ids.withUnsafeBufferPointer { ids in
                                for r in 0..<ids.count {
                                    let bit = Int(truncatingIfNeeded: (words[r &>> 6] &>> UInt64(r & 63)) & 1)
                                    let slot = (Int(ids[r]) &+ 1) & ok[Int(names[r])] & (0 &- bit)
                                    h[slot &* 4 &+ (r & 3)] &+= 1
                                }
                            }
                        }
                    }
                }
            }
        }
        var map = entrySegments(s.dictionary)
        for e in 0..<(slots - 1) {
            let n = h[(e + 1) * 4] &+ h[(e + 1) * 4 + 1] &+ h[(e + 1) * 4 + 2] &+ h[(e + 1) * 4 + 3]
            guard n > 0 else { continue }
            if map[e] == -2 { map[e] = segment(s.dictionary[e]) }
            if map[e] >= 0 { counts[Int(map[e]) * bucketCount + b] += Double(n) }
        }
        lastDictionary?.map = map
    }

    /// How many of `values` (each below `slots`) hold each value. Four interleaved counters,
    /// summed at the end, so that runs of one value do not wait on their own increments.
    static func histogram(_ values: [UInt32], slots: Int) -> [Int] {
        values.withUnsafeBufferPointer { v in histogram(v, plus: 0, slots: slots) }
    }

    /// The same for values that are at least `-plus`, counted in slot `value + plus`.
    static func histogram(_ values: [Int32], plus: Int, slots: Int) -> [Int] {
        values.withUnsafeBufferPointer { v in histogram(v, plus: plus, slots: slots) }
    }

    @inline(__always)
    static func histogram<T: FixedWidthInteger>(_ v: UnsafeBufferPointer<T>, plus: Int, slots: Int) -> [Int] {
        var h = [Int](repeating: 0, count: slots * 4)
        h.withUnsafeMutableBufferPointer { h in
            let n = v.count
            var i = 0
            while i &+ 4 <= n {
                h[(Int(v[i]) &+ plus) &* 4] &+= 1
                h[(Int(v[i &+ 1]) &+ plus) &* 4 &+ 1] &+= 1
                h[(Int(v[i &+ 2]) &+ plus) &* 4 &+ 2] &+= 1
                h[(Int(v[i &+ 3]) &+ plus) &* 4 &+ 3] &+= 1
                i &+= 4
            }
            while i < n {
                h[(Int(v[i]) &+ plus) &* 4] &+= 1
                i &+= 1
            }
        }
        var out = [Int](repeating: 0, count: slots)
        for i in 0..<slots {
            let a = h[i * 4] &+ h[i * 4 + 1]
            out[i] = a &+ h[i * 4 + 2] &+ h[i * 4 + 3]
        }
        return out
    }

    /// Sets each counted row's user bit in its cell's set. Counted rows of a block mostly
    /// share a cell (one event, one bucket), so rows are taken in runs of one cell, that
    /// cell's bitmap grown once for the run's largest uid.
    mutating func addUsers(_ uids: [UInt32], _ cells: [Int32]) {
        let n = cells.count
        uids.withUnsafeBufferPointer { uids in
            cells.withUnsafeBufferPointer { cells in
                var r = 0
                while r < n {
                    let cell = cells[r]
                    guard cell >= 0 else { r += 1; continue }
                    var end = r, largest: UInt32 = 0
                    while end < n && (cells[end] == cell || cells[end] < 0) {
                        if cells[end] >= 0 { largest = max(largest, uids[end]) }
                        end += 1
                    }
                    let bits = users.words(Int(cell), atLeast: Int(largest >> 6) + 1)
                    for i in r..<end where cells[i] >= 0 {
                        let u = uids[i]
                        bits[Int(u >> 6)] |= 1 &<< UInt64(u & 63)
                    }
                    r = end
                }
            }
        }
    }

    /// Unique counts per event in whole-day buckets without a filter. One event counted: the
    /// rows of its name only, user bits gathered per word. Several: event counts from a
    /// histogram of name ids, and each row's user bit set through its name's bitmap (rows of
    /// events not counted write to a spare one), with no branch per row.
    mutating func addUsersByName(_ block: EventBlock, bucket b: Int) {
        guard b >= 0 else { return }
        let nameSegment = nameSegments(of: block)
        var largest: UInt32 = 0
        for u in block.uids { largest = max(largest, u) }
        let words = Int(largest >> 6) + 1
        let countedNames = nameSegment.indices.filter { nameSegment[$0] >= 0 }
        if countedNames.count == 1 {
            // One event counted (the usual question): its rows as a bitmap (vector compares),
            // then only those rows visited. A part's rows come sorted by uid, so runs of them
            // fall in one word of the user bitmap: their bits gather in a register and the
            // word is written once per run.
            let cell = Int(nameSegment[countedNames[0]]) * bucketCount + b
            let rows = VectorFilter.selectEqual(Bitmap(count: block.count, allSet: true), block.nameIds, UInt32(countedNames[0]))
            let dst = users.words(cell, atLeast: words)
            var total = 0
            rows.words.withUnsafeBufferPointer { bits in
                block.uids.withUnsafeBufferPointer { uids in
                    var acc: UInt64 = 0
                    var at = 0
                    for w in bits.indices {
                        var x = bits[w]
                        total &+= x.nonzeroBitCount
                        while x != 0 {
                            let u = uids[(w &<< 6) | x.trailingZeroBitCount]
                            let uw = Int(u &>> 6)
                            if uw != at {
                                dst[at] |= acc
                                acc = 0
                                at = uw
                            }
                            acc |= 1 &<< UInt64(u & 63)
                            x &= x &- 1
                        }
                    }
                    dst[at] |= acc
                }
            }
            counts[cell] += Double(total)
            return
        }
        let histogram = Self.histogram(block.nameIds, slots: block.names.count)
        let spare = users.spare(atLeast: words)
        var target = [UnsafeMutablePointer<UInt64>](repeating: spare, count: block.names.count)
        for (i, n) in histogram.enumerated() where n > 0 && nameSegment[i] >= 0 {
            let cell = Int(nameSegment[i]) * bucketCount + b
            counts[cell] += Double(n)
            target[i] = users.words(cell, atLeast: words)
        }
        target.withUnsafeBufferPointer { target in
            block.nameIds.withUnsafeBufferPointer { ids in
                block.uids.withUnsafeBufferPointer { uids in
                    for r in 0..<ids.count {
                        let u = uids[r]
                        target[Int(ids[r])][Int(u &>> 6)] |= 1 &<< UInt64(u & 63)
                    }
                }
            }
        }
    }
}
