// Building blocks row by row: every row keeps its own keys in its own order, whatever rows of
// other events come between (a block sorted by user interleaves events), and a string key's
// dictionary numbers each distinct value once, however many values collide in its table.

import ApusModel
import ApusStoreCore
import ApusTesting
import Testing

struct EventBlockBuilderTests {
    /// The properties of row `r` in the block's key order.
    func properties(_ b: EventBlock, _ r: Int) -> [JSONMember] {
        guard let order = b.keyOrder else { return [] }
        return order.shapes[Int(order.shapeOfRow[r])].compactMap { k in
            b.properties[Int(k)].value(at: r).map { JSONMember(b.propertyKeys[Int(k)], $0) }
        }
    }

    func event(_ name: String, _ keys: [String], _ i: Int) -> Event {
        Event(name: name, distinctId: "u\(i % 7)", timeMs: 1_735_689_600_000 + Int64(i), insertId: "i\(i)",
              properties: keys.map { JSONMember($0, $0 == "n" ? .number(Double(i)) : .string("\($0)\(i % 5)")) })
    }

    /// Rows of several events, each event's key lists varying (same keys, a prefix, another
    /// order, a subset, none), interleaved at random: each row reads back with its own keys in
    /// its own order, built from records and from events alike.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func everyRowKeepsItsKeysInItsOrderWhenEventsInterleave(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let shapes: [String: [[String]]] = [
            "View": [["a", "b", "c"], ["a", "b", "c"], ["a", "b"], ["c", "a", "b"], []],
            "Buy": [["n", "a"], ["n", "a", "d"], ["n"], ["a", "n"]],
            "Open": [["b"], ["b", "e", "a", "n"]],
        ]
        let names = shapes.keys.sorted()
        var events: [Event] = []
        for i in 0..<3000 {
            let name = names[Int(rng.next() % UInt64(names.count))]
            let options = shapes[name]!
            events.append(event(name, options[Int(rng.next() % UInt64(options.count))], i))
        }
        let day = utcDay(ofTimeMs: events[0].timeMs)
        let request = ScanRequest.everything(days: day...day)
        var fromEvents = EventBlockBuilder(day: day, request: request)
        var fromRecords = EventBlockBuilder(day: day, request: request)
        let records = EventRecords(events)
        for (i, e) in events.enumerated() {
            fromEvents.append(uid: 0, seq: UInt64(i), event: e)
            try records.bytes.withUnsafeBytes { all in
                try fromRecords.append(uid: 0, seq: UInt64(i), record: UnsafeRawBufferPointer(rebasing: all[records.ranges[i]]))
            }
        }
        for block in [fromEvents.build(), fromRecords.build()] {
            #expect(block.count == events.count)
            for (r, e) in events.enumerated() where properties(block, r) != e.properties {
                Issue.record("row \(r) (\(e.name)): \(properties(block, r).map(\.key)) instead of \(e.properties.map(\.key))")
                break
            }
        }
    }

    /// Many distinct values (enough to grow the table several times) each get one number, and
    /// a value seen again gets the number it had.
    @Test func aDictionaryNumbersEachDistinctValueOnce() {
        var table = ByteStringTable()
        var ids: [UInt32] = []
        for i in 0..<50_000 {
            var text = "value-\(i)"
            ids.append(text.withUTF8 { table.id(of: $0).id })
        }
        #expect(ids == (0..<50_000).map(UInt32.init))
        for i in stride(from: 0, to: 50_000, by: 997) {
            var text = "value-\(i)"
            #expect(text.withUTF8 { table.id(of: $0) } == (UInt32(i), false))
            #expect(table.find("value-\(i)") == UInt32(i))
        }
        #expect(table.find("value-50000") == nil)
        #expect(table.count == 50_000)
    }

    /// A block built for a part writer stops numbering a key's strings once the first rows
    /// show them mostly distinct: every row still reads back its own value, repeats included,
    /// and a key whose values repeat keeps one entry per distinct value. A block for readers
    /// always numbers.
    @Test(arguments: [true, false])
    func mostlyDistinctStringsGoPerRowOnlyInBlocksForPartWriters(plainWhenDistinct: Bool) throws {
        let rows = 3 * PropertyBlockBuilder.distinctSample
        var builder = EventBlockBuilder(day: 20089, request: .everything(days: 20089...20089), plainWhenDistinct: plainWhenDistinct)
        var records = EventRecords()
        for i in 0..<rows {
            // Distinct but for every 16th row, which repeats the one before it.
            let request = "req-\(i % 16 == 15 ? i - 1 : i)"
            records.append(Event(name: "Viewed", distinctId: "u", timeMs: 1_735_689_600_000 + Int64(i), insertId: "i\(i)",
                                 properties: [JSONMember("request", .string(request)), JSONMember("plan", .string("p\(i % 3)"))]))
        }
        try records.bytes.withUnsafeBytes { all in
            for (i, range) in records.ranges.enumerated() {
                try builder.append(uid: 1, seq: UInt64(i), record: UnsafeRawBufferPointer(rebasing: all[range]))
            }
        }
        let block = builder.build()
        let requestKey = try #require(block.propertyKeys.firstIndex(of: "request"))
        let planKey = try #require(block.propertyKeys.firstIndex(of: "plan"))
        let request = try #require(block.properties[requestKey].strings)
        let plan = try #require(block.properties[planKey].strings)
        #expect(request.perRow == plainWhenDistinct)
        #expect(request.dictionary.count == (plainWhenDistinct ? rows : rows - rows / 16))
        #expect(!plan.perRow && plan.dictionary.count == 3)
        for i in 0..<rows {
            #expect(request.dictionary[Int(request.ids[i])] == "req-\(i % 16 == 15 ? i - 1 : i)")
            #expect(plan.dictionary[Int(plan.ids[i])] == "p\(i % 3)")
        }
    }

    /// Byte strings compare equal exactly when every byte matches, at every length (word,
    /// half-word and byte steps, and the `memcmp` path past 32) and wherever they differ.
    @Test func byteStringsAreTheSameOnlyWhenEveryByteIs() {
        var rng = SeededRandom(seed: 3)
        for count in 0...48 {
            let a = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            a.withUnsafeBytes { pa in
                var b = a
                #expect(b.withUnsafeBytes { sameBytes(pa.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: count) })
                for i in 0..<count {
                    b = a
                    b[i] ^= 0x80
                    #expect(!b.withUnsafeBytes { sameBytes(pa.baseAddress!, $0.baseAddress!, count: count) }, "length \(count), byte \(i)")
                }
            }
        }
    }

    /// A string's hash reads its last partial word without a byte outside it, and is the same
    /// as a byte-at-a-time reading's, at every length and wherever the string lies.
    @Test func hashesReadTheTailOfAStringAsItsBytesInOrder() {
        func reference(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
            var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
            var i = 0
            while i + 8 <= bytes.count {
                var word: UInt64 = 0
                for k in 0..<8 { word |= UInt64(bytes[i + k]) << UInt64(8 * k) }
                h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 29
                i += 8
            }
            var tail: UInt64 = 0
            for k in i..<bytes.count { tail |= UInt64(bytes[k]) << UInt64(8 * (k - i)) }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 32
            return h
        }
        var rng = SeededRandom(seed: 5)
        let buffer = (0..<64).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        buffer.withUnsafeBufferPointer { all in
            for start in 0..<8 {
                for count in 0...(64 - start - 8) {
                    let slice = UnsafeBufferPointer(rebasing: all[start..<(start + count)])
                    #expect(ByteStringTable.hash(slice, seed: 42) == reference(Array(slice), seed: 42), "length \(count) at \(start)")
                }
            }
        }
    }
}
