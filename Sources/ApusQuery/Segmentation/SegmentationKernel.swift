// The loop of segmentation-style reports. Per block, each row first gets its segment: the
// event's name, or the value of one property (a string's dictionary entry is numbered once per
// block, by its bytes); then its time bucket (a minute table per UTC day); then a count and,
// for unique and average, the user's bit in that cell's set. No allocation per row.

import ApusExpression
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
    /// One segment per value of an `on` expression (as `string()` writes it); rows where it is
    /// undefined, null or a list are left out.
    case expression(Expression)
    /// One segment per range of a numeric `on` expression (`/segmentation/numeric`), in range
    /// order; rows where it is not a number are left out.
    case numeric(Expression, NumericBuckets)
}

/// One worker's partial counts; merged with `merge(_:)`.
package struct SegmentationKernel {
    let buckets: TimeBuckets
    let bucketCount: Int
    let needsUsers: Bool
    let segmentBy: SegmentBy
    /// Event names counted, by their bytes.
    var events = ByteStringTable()
    /// Segments by their bytes, and their names.
    private var segmentTable = ByteStringTable()
    package private(set) var segmentNames: [String] = []
    /// When set, only these segments are counted (the `values` filter).
    private let closed: Bool
    /// Events per cell (segment × bucket).
    package internal(set) var counts: [Double] = []
    /// Users per cell, as bitmaps over uids (grown as uids appear). Each kernel makes its own
    /// (the DayScan workers never share one).
    let users = UserSets()
    private var tables: [Int32: [Int32]] = [:]
    /// With `segmentBy` numeric ranges: each range's segment.
    private var rangeSegments: [Int32] = []
    var lastDictionary: (dictionary: [String], address: UInt, map: [Int32])?
    /// With an `on` that reads only the user's profile: each profile text's segment (-2: not
    /// numbered yet).
    private var textSegments: [Int32] = []

    /// Rows must make this true to count (`where`).
    let filter: Expression?
    let snapshot: (any EventSnapshot)?
    /// Profiles `user[…]` reads in `filter` or the `on` expression.
    let profiles: UserProfiles?

    package init(buckets: TimeBuckets, events: [String], segmentBy: SegmentBy, values: [String]? = nil, needsUsers: Bool,
                 filter: Expression? = nil, snapshot: (any EventSnapshot)? = nil, users: UserProfiles? = nil) {
        self.filter = filter
        self.snapshot = snapshot
        self.profiles = users
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
        case .numeric(_, let ranges):
            // Ranges in order; each range's segment is looked up, never assumed.
            for l in ranges.labels { rangeSegments.append(segment(l)) }
        case .property, .expression:
            for v in values ?? [] { _ = segment(v, adding: true) }
        }
    }

    /// Most distinct segments a report may count (each costs a value per bucket).
    package static let segmentsMax = 100_000
    /// True when more distinct segments than `segmentsMax` appeared (the report is refused).
    package private(set) var overflowed = false

    /// The segment numbered for `name`, adding it unless the segments are closed (-1 then).
    mutating func segment(_ name: String, adding: Bool = false) -> Int32 {
        if closed && !adding { return segmentTable.find(name).map(Int32.init) ?? -1 }
        if segmentNames.count >= Self.segmentsMax, segmentTable.find(name) == nil {
            overflowed = true
            return -1
        }
        let (id, inserted) = segmentTable.id(of: name)
        if inserted {
            segmentNames.append(name)
            counts += repeatElement(0, count: bucketCount)
            if needsUsers { users.appendCells(bucketCount) }
        }
        return Int32(id)
    }

    /// Per name of `block`: its segment (-1: not counted), when segments are events.
    mutating func nameSegments(of block: EventBlock) -> [Int32] {
        block.names.map { events.find($0) != nil ? segment($0) : -1 }
    }

    /// Each row's segment in `block` (-1: not counted).
    private mutating func segments(of block: EventBlock) -> [Int32] {
        var nameOK = [Bool](repeating: false, count: block.names.count)
        for (i, name) in block.names.enumerated() { nameOK[i] = events.find(name) != nil }
        switch segmentBy {
        case .event:
            let nameSegment = nameSegments(of: block)
            var seg = [Int32](repeating: -1, count: block.count)
            seg.withUnsafeMutableBufferPointer { seg in
                nameSegment.withUnsafeBufferPointer { nameSegment in
                    block.nameIds.withUnsafeBufferPointer { ids in
                        for r in 0..<ids.count { seg[r] = nameSegment[Int(ids[r])] }
                    }
                }
            }
            return seg
        case .property(let key):
            var seg = [Int32](repeating: -1, count: block.count)
            guard let p = block.property(key) else { return seg }
            if let s = p.strings, !s.dictionary.isEmpty {
                var map = entrySegments(s.dictionary)
                var unresolved = false
                // Rows present, of a counted event: their entry's segment (-2: not numbered
                // yet). The row's bit and its name's flag select without a branch.
                let okMask = nameOK.map { Int32($0 ? -1 : 0) }
                seg.withUnsafeMutableBufferPointer { seg in
                    map.withUnsafeBufferPointer { map in
                        s.ids.withUnsafeBufferPointer { ids in
                            block.nameIds.withUnsafeBufferPointer { names in
                                okMask.withUnsafeBufferPointer { ok in
                                    s.present.words.withUnsafeBufferPointer { words in
                                        var anyUnresolved: Int32 = 0
                                        for r in 0..<seg.count {
                                            let present = Int32(truncatingIfNeeded: (words[r &>> 6] &>> UInt64(r & 63)) & 1)
                                            let keep = ok[Int(names[r])] & (0 &- present)
                                            let m = map[Int(ids[r])]
                                            // keep is all ones or zero: m where kept, else -1.
                                            let v = (m & keep) | (~keep & -1)
                                            seg[r] = v
                                            anyUnresolved |= v == -2 ? 1 : 0
                                        }
                                        unresolved = anyUnresolved != 0
                                    }
                                }
                            }
                        }
                    }
                }
                if unresolved {
                    // Entries first seen in this block: number them, then fill their rows.
                    for r in 0..<block.count where seg[r] == -2 {
                        let e = Int(s.ids[r])
                        if map[e] == -2 { map[e] = segment(s.dictionary[e]) }
                        seg[r] = map[e]
                    }
                    lastDictionary?.map = map
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
        case .numeric(let on, let ranges):
            var seg = [Int32](repeating: -1, count: block.count)
            guard let snapshot else { return seg }
            let (values, present) = NumericAggregateRunner.numbersAndPresence(on, block, snapshot: snapshot, counted: nameOK, users: profiles)
            for r in 0..<block.count where present[r] && nameOK[Int(block.nameIds[r])] {
                seg[r] = rangeSegments[ranges.index(of: values[r])]
            }
            return seg
        case .expression(let on):
            var seg = [Int32](repeating: -1, count: block.count)
            guard let snapshot else { return seg }
            if let profiles, UserProfiles.readsOnlyUsers(on), !block.uids.isEmpty {
                // Segments of the user's profile: texts worked out once per profile, numbered
                // here as rows first use them.
                let (perRow, texts, none) = profiles.segmentTexts(on)
                if textSegments.count != texts.count { textSegments = [Int32](repeating: -2, count: texts.count) }
                for r in 0..<block.count where nameOK[Int(block.nameIds[r])] {
                    let t = profiles.row(ofUid: block.uids[r]).map { perRow[$0] } ?? none
                    guard t >= 0 else { continue }
                    if textSegments[Int(t)] == -2 { textSegments[Int(t)] = segment(texts[Int(t)]) }
                    seg[r] = textSegments[Int(t)]
                }
                return seg
            }
            var row = BlockExpressionRow(block: block, snapshot: snapshot, users: profiles)
            for r in 0..<block.count where nameOK[Int(block.nameIds[r])] {
                row.row = r
                if let text = segmentText(ExpressionEvaluator.evaluate(on, row: row)) { seg[r] = segment(text) }
            }
            return seg
        }
    }

    /// The segment of each entry of a string dictionary (-2: not looked up yet; entries become
    /// segments only when a counted row holds them). A part's blocks share one dictionary
    /// per key, so the last one mapped is kept (the array is held, so its storage cannot be
    /// reused by another while it is compared by address).
    mutating func entrySegments(_ dictionary: [String]) -> [Int32] {
        let address = dictionary.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        if let last = lastDictionary, last.address == address, last.dictionary.count == dictionary.count { return last.map }
        let map = [Int32](repeating: -2, count: dictionary.count)
        lastDictionary = (dictionary, address, map)
        return map
    }

    /// Folds one block in.
    package mutating func add(_ block: EventBlock) {
        let table = tables[block.day] ?? buckets.minuteTable(utcDay: block.day)
        tables[block.day] = table
        if case .event = segmentBy, block.timesMs.isEmpty, !needsUsers, filter == nil {
            // Events counted per bucket of whole days (see below): a count per name id.
            let b = Int(table[0])
            guard b >= 0 else { return }
            let nameSegment = nameSegments(of: block)
            let histogram = Self.histogram(block.nameIds, slots: block.names.count)
            for (i, n) in histogram.enumerated() where n > 0 && nameSegment[i] >= 0 {
                counts[Int(nameSegment[i]) * bucketCount + b] += Double(n)
            }
            return
        }
        if case .event = segmentBy, block.timesMs.isEmpty, needsUsers, filter == nil {
            addUsersByName(block, bucket: Int(table[0]))
            return
        }
        let counted = block.names.map { events.find($0) != nil }
        let keep = filter.flatMap { f in snapshot.map { BlockExpressionRow.matching(f, block, snapshot: $0, counted: counted, users: profiles) } }
        if case .property(let key) = segmentBy, block.timesMs.isEmpty, !needsUsers, let p = block.property(key),
           let strings = p.strings, p.numbers == nil, p.booleans == nil {
            addCountsByEntry(block, strings, bucket: Int(table[0]), keep: keep)
            return
        }
        var seg = segments(of: block)
        if let keep {
            seg.withUnsafeMutableBufferPointer { seg in
                keep.words.withUnsafeBufferPointer { words in
                    // A row's bit 1 ors in 0 (kept), bit 0 ors in -1 (not counted).
                    for (w, word) in words.enumerated() where word != ~0 {
                        let base = w &<< 6
                        for b in 0..<Swift.min(64, seg.count &- base) {
                            seg[base &+ b] |= Int32(truncatingIfNeeded: (word &>> UInt64(b)) & 1) &- 1
                        }
                    }
                }
            }
        }
        if block.timesMs.isEmpty {
            // Times were not read: the runner asked so only when every bucket holds whole UTC
            // days, so the whole block falls in the bucket of its day's first minute. Counts
            // come from a histogram of segments (slot 0: rows not counted), without a branch.
            let b = Int(table[0])
            guard b >= 0 else { return }
            // Segment s counts in slot s + 1 (the -1s in slot 0).
            let histogram = Self.histogram(seg, plus: 1, slots: segmentNames.count + 1)
            for (s, n) in histogram.dropFirst().enumerated() where n > 0 { counts[s * bucketCount + b] += Double(n) }
            guard needsUsers else { return }
            let nb = Int32(bucketCount), b32 = Int32(b)
            var cells = [Int32](repeating: -1, count: seg.count)
            cells.withUnsafeMutableBufferPointer { cells in
                seg.withUnsafeBufferPointer { seg in
                    for r in 0..<seg.count { cells[r] = seg[r] < 0 ? -1 : seg[r] &* nb &+ b32 }
                }
            }
            addUsers(block.uids, cells)
            return
        }
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
                            let minute = (times[r] &- dayStart) / 60_000
                            guard minute >= 0 && minute < 1440 else { continue }
                            let b = Int(table[Int(minute)])
                            guard b >= 0 else { continue }
                            let cell = s &* nb &+ b
                            counts[cell] += 1
                            cells[r] = Int32(truncatingIfNeeded: cell)
                        }
                    }
                }
            }
        }
        guard needsUsers else { return }
        addUsers(block.uids, cells)
    }

    /// Adds another worker's partial counts (its segments may be numbered differently).
    package mutating func merge(_ other: SegmentationKernel) {
        let nb = bucketCount
        if other.overflowed { overflowed = true }
        for (s, name) in other.segmentNames.enumerated() {
            let mine = Int(segment(name))
            guard mine >= 0 else { continue }
            for b in 0..<nb { counts[mine * nb + b] += other.counts[s * nb + b] }
            guard needsUsers else { continue }
            for b in 0..<nb { users.merge(other.users, s * nb + b, into: mine * nb + b) }
        }
    }

    /// Distinct users of a cell.
    package func uniqueUsers(cell: Int) -> Int {
        users.count(cell)
    }
}

extension SegmentBy {
    /// The `on` expression, if segments come from one.
    var expression: Expression? {
        switch self {
        case .expression(let e), .numeric(let e, _): return e
        case .event, .property: return nil
        }
    }

    /// Segments are ranked by their totals (and cut at `limit`), not kept in their own order.
    var ordersByTotal: Bool {
        switch self {
        case .property, .expression: return true
        case .event, .numeric: return false
        }
    }
}
