// Raw export lines straight from column blocks: {"event": …, "properties": {"time",
// "distinct_id", "$insert_id", …the rest in arrival order}}, one per line. `time` is whole
// seconds unless time_in_ms. No Event or JSONValue per row, and little escaped twice: event
// names and key heads are escaped once per block, the strings of keys with few distinct values
// once per slice when first used (those of nearly unique keys as they are written), and each
// type's columns of every key are laid out flat so the row loop only indexes arrays (per-row
// copies of nested column values cost more than the writing, in retains).

import ApusModel
import ApusQuery
import ApusStoreCore

/// Writes the rows of one block (delivered with `ScanRequest.everything`) as export lines.
package struct ExportFormat: Sendable {
    private let block: EventBlock
    private let n: Int
    private let words: Int
    private let timeInMs: Bool
    /// Escaped event names, back to back.
    private var names: [UInt8] = []
    private var nameEnds: [Int] = []
    /// `,"key":` per key, back to back.
    private var heads: [UInt8] = []
    private var headEnds: [Int] = []
    /// Per key, its slot in each type's flat arrays (-1: the key has no such values here).
    private var stringSlot: [Int], numberSlot: [Int], booleanSlot: [Int], nullSlot: [Int], listSlot: [Int], objectSlot: [Int]
    private var stringPresent: [UInt64] = [], stringIds: [UInt32] = []
    /// Per string slot, where its entries start in the escape cache, or -1 when the slot is not
    /// cached: nearly every value of a high-cardinality key is used once, so caching its escapes
    /// would only cost each slice a copy of the cache.
    private var stringCacheBase: [Int] = []
    private var dictionaries: [[String]] = []
    private var numberPresent: [UInt64] = [], numbers: [Double] = []
    private var booleanPresent: [UInt64] = [], booleans: [UInt64] = []
    private var nullPresent: [UInt64] = []
    private var listPresent: [UInt64] = [], objectPresent: [UInt64] = []
    private var lists: [StringColumn] = [], objects: [StringColumn] = []
    /// Each key-order shape's keys, back to back (`shapeStarts[s]..<shapeStarts[s + 1]`), so
    /// the row loop reads no nested array.
    private var shapeKeys: [Int32] = [], shapeStarts: [Int] = [0]
    /// Escaped dictionary strings, filled as rows use them: offsets per (slot base + id).
    private var escapedStart: [Int] = [], escapedEnd: [Int] = []
    private var escaped: [UInt8] = []

    package init(_ block: EventBlock, timeInMs: Bool) {
        // The row loop reads insert ids, times and users through unchecked pointers.
        precondition(block.insertIds.count == block.count && block.timesMs.count == block.count && block.uids.count == block.count,
                     "export needs a block delivered with ScanRequest.everything")
        self.block = block
        self.timeInMs = timeInMs
        n = block.count
        words = (block.count + 63) / 64
        for name in block.names {
            JSONWriter.writeString(name, into: &names)
            nameEnds.append(names.count)
        }
        for key in block.propertyKeys {
            heads.append(UInt8(ascii: ","))
            JSONWriter.writeString(key, into: &heads)
            heads.append(UInt8(ascii: ":"))
            headEnds.append(heads.count)
        }
        let none = [Int](repeating: -1, count: block.propertyKeys.count)
        stringSlot = none; numberSlot = none; booleanSlot = none; nullSlot = none; listSlot = none; objectSlot = none
        var dictionaryEntries = 0
        for (k, p) in block.properties.enumerated() {
            if let s = p.strings {
                stringSlot[k] = dictionaries.count
                stringPresent += s.present.words
                stringIds += s.ids
                if s.dictionary.count * 4 <= n {
                    stringCacheBase.append(dictionaryEntries)
                    dictionaryEntries += s.dictionary.count
                } else {
                    stringCacheBase.append(-1)
                }
                dictionaries.append(s.dictionary)
            }
            if let v = p.numbers {
                numberSlot[k] = numbers.count / max(n, 1)
                numberPresent += v.present.words
                numbers += v.values
            }
            if let v = p.booleans {
                booleanSlot[k] = booleanPresent.count / max(words, 1)
                booleanPresent += v.present.words
                booleans += v.values.words
            }
            if let z = p.nulls {
                nullSlot[k] = nullPresent.count / max(words, 1)
                nullPresent += z.words
            }
            if let l = p.lists {
                listSlot[k] = lists.count
                listPresent += l.present.words
                lists.append(l.text)
            }
            if let o = p.objects {
                objectSlot[k] = objects.count
                objectPresent += o.present.words
                objects.append(o.text)
            }
        }
        escapedStart = [Int](repeating: -1, count: dictionaryEntries)
        escapedEnd = [Int](repeating: 0, count: dictionaryEntries)
        if let order = block.keyOrder {
            for shape in order.shapes {
                shapeKeys += shape.map { Int32(truncatingIfNeeded: $0) }
                shapeStarts.append(shapeKeys.count)
            }
        }
    }

    /// Appends `arena[range]` without making a slice (a slice retains its array).
    @inline(__always)
    private static func append(_ arena: [UInt8], _ range: Range<Int>, to out: LineSink) {
        arena.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    @inline(__always)
    private func bit(_ bits: [UInt64], slot: Int, row: Int) -> Bool {
        bits[slot * words + row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    /// Appends rows `rows` as lines. The block's columns are read through pointers taken once
    /// per slice (indexing a stored array per row costs a retain and a release).
    mutating func appendLines(rows: Range<Int>, snapshot: any EventSnapshot, identity: IdentityResolution = IdentityResolution(),
                              to out: LineSink) {
        var lastUid: UInt32? = nil
        var distinctId: [UInt8] = []
        // A row of a merged user: its canonical id, then the id it came with (unless the row
        // holds that property already).
        let notesOriginal = block.propertyKeys.firstExactIndex(of: "$distinct_id_before_identity") == nil
        let keyCount = block.propertyKeys.count
        let ordered = block.keyOrder != nil
        let shapeOfRow = block.keyOrder?.shapeOfRow ?? []
        let shapeKeys = self.shapeKeys, shapeStarts = self.shapeStarts
        let names = self.names, nameEnds = self.nameEnds
        let insertIds = block.insertIds
        let (nameIds, timesMs, uids) = (block.nameIds, block.timesMs, block.uids)
        nameIds.withUnsafeBufferPointer { nameIds in
        timesMs.withUnsafeBufferPointer { timesMs in
        uids.withUnsafeBufferPointer { uids in
        shapeOfRow.withUnsafeBufferPointer { shapeOfRow in
        shapeKeys.withUnsafeBufferPointer { shapeKeys in
        shapeStarts.withUnsafeBufferPointer { shapeStarts in
        names.withUnsafeBufferPointer { names in
        nameEnds.withUnsafeBufferPointer { nameEnds in
        insertIds.arena.withUnsafeBufferPointer { idArena in
        insertIds.ends.withUnsafeBufferPointer { idEnds in
            for row in rows {
                out.append(#"{"event":"#)
                let name = Int(nameIds[row])
                out.append(UnsafeBufferPointer(rebasing: names[(name == 0 ? 0 : nameEnds[name - 1])..<nameEnds[name]]))
                out.append(#","properties":{"time":"#)
                let t = timesMs[row]
                out.appendInteger(timeInMs ? t : floorDiv(t, 1000))
                out.append(#","distinct_id":"#)
                // Rows come sorted by user: each user's id is looked up and escaped once per run.
                if uids[row] != lastUid {
                    lastUid = uids[row]
                    distinctId.removeAll(keepingCapacity: true)
                    let own = snapshot.distinctId(of: uids[row])
                    if let canonical = identity.name(of: uids[row]) {
                        JSONWriter.writeString(canonical, into: &distinctId)
                        if notesOriginal {
                            distinctId.append(contentsOf: #","$distinct_id_before_identity":"#.utf8)
                            JSONWriter.writeString(own, into: &distinctId)
                        }
                    } else {
                        JSONWriter.writeString(own, into: &distinctId)
                    }
                }
                out.append(distinctId)
                out.append(#","$insert_id":"#)
                let idStart = row == 0 ? 0 : Int(idEnds[row - 1])
                out.appendString(utf8: UnsafeBufferPointer(rebasing: idArena[idStart..<Int(idEnds[row])]))
                if ordered {
                    let shape = Int(shapeOfRow[row])
                    for i in shapeStarts[shape]..<shapeStarts[shape + 1] { appendMember(Int(shapeKeys[i]), row: row, to: out) }
                } else {
                    for k in 0..<keyCount { appendMember(k, row: row, to: out) }
                }
                out.append("}}\n")
            }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
    }

    private mutating func appendMember(_ k: Int, row: Int, to out: LineSink) {
        let head = (k == 0 ? 0 : headEnds[k - 1])..<headEnds[k]
        var slot = stringSlot[k]
        if slot >= 0 && bit(stringPresent, slot: slot, row: row) {
            Self.append(heads, head, to: out)
            let id = Int(stringIds[slot * n + row])
            let base = stringCacheBase[slot]
            guard base >= 0 else {
                out.appendString(dictionaries[slot][id])
                return
            }
            let entry = base + id
            if escapedStart[entry] < 0 {
                escapedStart[entry] = escaped.count
                JSONWriter.writeString(dictionaries[slot][id], into: &escaped)
                escapedEnd[entry] = escaped.count
            }
            Self.append(escaped, escapedStart[entry]..<escapedEnd[entry], to: out)
            return
        }
        slot = numberSlot[k]
        if slot >= 0 && bit(numberPresent, slot: slot, row: row) {
            Self.append(heads, head, to: out)
            out.appendNumber(numbers[slot * n + row])
            return
        }
        slot = booleanSlot[k]
        if slot >= 0 && bit(booleanPresent, slot: slot, row: row) {
            Self.append(heads, head, to: out)
            if bit(booleans, slot: slot, row: row) { out.append("true") } else { out.append("false") }
            return
        }
        slot = nullSlot[k]
        if slot >= 0 && bit(nullPresent, slot: slot, row: row) {
            Self.append(heads, head, to: out)
            out.append("null")
            return
        }
        slot = listSlot[k]
        if slot >= 0 && bit(listPresent, slot: slot, row: row) {
            Self.append(heads, head, to: out)
            Self.append(lists[slot].arena, lists[slot].range(of: row), to: out)
            return
        }
        slot = objectSlot[k]
        if slot >= 0 && bit(objectPresent, slot: slot, row: row) {
            Self.append(heads, head, to: out)
            Self.append(objects[slot].arena, objects[slot].range(of: row), to: out)
        }
    }
}
