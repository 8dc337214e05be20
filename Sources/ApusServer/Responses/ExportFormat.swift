// Raw export lines straight from column blocks: {"event": …, "properties": {"time",
// "distinct_id", "$insert_id", …the rest in arrival order}}, one per line. `time` is whole
// seconds unless time_in_ms. No Event or JSONValue per row, and little escaped twice: event
// names and key heads are escaped once per block, the strings of keys with few distinct values
// once per slice when first used (those of nearly unique keys as they are written), and each
// type's columns of every key are laid out flat so the row loop only indexes arrays (per-row
// copies of nested column values cost more than the writing, in retains).

import ApusModel
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
    /// Escaped dictionary strings, filled as rows use them: offsets per (slot base + id).
    private var escapedStart: [Int] = [], escapedEnd: [Int] = []
    private var escaped: [UInt8] = []

    package init(_ block: EventBlock, timeInMs: Bool) {
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
    }

    /// Appends `arena[range]` without making a slice (a slice retains its array).
    @inline(__always)
    private static func append(_ arena: [UInt8], _ range: Range<Int>, to out: inout [UInt8]) {
        arena.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
    }

    @inline(__always)
    private func bit(_ bits: [UInt64], slot: Int, row: Int) -> Bool {
        bits[slot * words + row >> 6] & (1 << UInt64(row & 63)) != 0
    }

    /// Appends rows `rows` as lines.
    package mutating func appendLines(rows: Range<Int>, snapshot: any EventSnapshot, to out: inout [UInt8]) {
        var lastUid: UInt32? = nil
        var distinctId: [UInt8] = []
        for row in rows {
            out.append(contentsOf: #"{"event":"#.utf8)
            let name = Int(block.nameIds[row])
            Self.append(names, (name == 0 ? 0 : nameEnds[name - 1])..<nameEnds[name], to: &out)
            out.append(contentsOf: #","properties":{"time":"#.utf8)
            let t = block.timesMs[row]
            JSONWriter.writeInteger(timeInMs ? t : floorDiv(t, 1000), into: &out)
            out.append(contentsOf: #","distinct_id":"#.utf8)
            // Rows come sorted by user: each user's id is looked up and escaped once per run.
            if block.uids[row] != lastUid {
                lastUid = block.uids[row]
                distinctId.removeAll(keepingCapacity: true)
                JSONWriter.writeString(snapshot.distinctId(of: block.uids[row]), into: &distinctId)
            }
            out.append(contentsOf: distinctId)
            out.append(contentsOf: #","$insert_id":"#.utf8)
            block.insertIds.arena.withUnsafeBufferPointer { a in
                let r = block.insertIds.range(of: row)
                JSONWriter.writeString(utf8: UnsafeBufferPointer(rebasing: a[r]), into: &out)
            }
            if let order = block.keyOrder {
                let shape = Int(order.shapeOfRow[row])
                for i in order.shapes[shape].indices { appendMember(Int(order.shapes[shape][i]), row: row, to: &out) }
            } else {
                for k in 0..<block.propertyKeys.count { appendMember(k, row: row, to: &out) }
            }
            out.append(contentsOf: "}}\n".utf8)
        }
    }

    private mutating func appendMember(_ k: Int, row: Int, to out: inout [UInt8]) {
        let head = (k == 0 ? 0 : headEnds[k - 1])..<headEnds[k]
        var slot = stringSlot[k]
        if slot >= 0 && bit(stringPresent, slot: slot, row: row) {
            Self.append(heads, head, to: &out)
            let id = Int(stringIds[slot * n + row])
            let base = stringCacheBase[slot]
            guard base >= 0 else {
                JSONWriter.writeString(dictionaries[slot][id], into: &out)
                return
            }
            let entry = base + id
            if escapedStart[entry] < 0 {
                escapedStart[entry] = escaped.count
                JSONWriter.writeString(dictionaries[slot][id], into: &escaped)
                escapedEnd[entry] = escaped.count
            }
            Self.append(escaped, escapedStart[entry]..<escapedEnd[entry], to: &out)
            return
        }
        slot = numberSlot[k]
        if slot >= 0 && bit(numberPresent, slot: slot, row: row) {
            Self.append(heads, head, to: &out)
            JSONWriter.writeNumber(numbers[slot * n + row], into: &out)
            return
        }
        slot = booleanSlot[k]
        if slot >= 0 && bit(booleanPresent, slot: slot, row: row) {
            Self.append(heads, head, to: &out)
            out.append(contentsOf: (bit(booleans, slot: slot, row: row) ? "true" : "false").utf8)
            return
        }
        slot = nullSlot[k]
        if slot >= 0 && bit(nullPresent, slot: slot, row: row) {
            Self.append(heads, head, to: &out)
            out.append(contentsOf: "null".utf8)
            return
        }
        slot = listSlot[k]
        if slot >= 0 && bit(listPresent, slot: slot, row: row) {
            Self.append(heads, head, to: &out)
            Self.append(lists[slot].arena, lists[slot].range(of: row), to: &out)
            return
        }
        slot = objectSlot[k]
        if slot >= 0 && bit(objectPresent, slot: slot, row: row) {
            Self.append(heads, head, to: &out)
            Self.append(objects[slot].arena, objects[slot].range(of: row), to: &out)
        }
    }
}
