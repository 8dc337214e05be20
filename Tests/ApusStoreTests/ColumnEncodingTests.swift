// The small encodings under every column: bit-packing and UTF-8 byte order.

import ApusStoreCore
import ApusTesting
@testable import ApusStore
import Testing

struct ColumnEncodingTests {
    /// Bit-packing round-trips every width and refuses ids past the dictionary.
    @Test(arguments: [0, 1, 2, 7, 8, 9, 13, 16, 31, 32])
    func bitPacksEveryWidth(width: Int) throws {
        var rng = SeededRandom(seed: UInt64(width))
        let mask: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
        let values = (0..<101).map { _ in UInt32(truncatingIfNeeded: rng.next() & mask) }
        var w = BinaryWriter()
        BitPacking.encode(values, width: width, into: &w)
        #expect(w.count == 1 + (101 * width + 7) / 8)
        let decoded: Result<[UInt32], DecodeFailure> = w.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            return Result { () throws(DecodeFailure) in try BitPacking.decode(&r, count: 101) }
        }
        #expect(try decoded.get() == values)
        if width > 0, let top = values.max(), top > 0 {
            let refused: Result<[UInt32], DecodeFailure> = w.bytes.withUnsafeBytes { buf in
                var r = BinaryReader(buf)
                return Result { () throws(DecodeFailure) in try BitPacking.decode(&r, count: 101, bound: top) }
            }
            #expect(throws: DecodeFailure.self) { try refused.get() }
        }
    }

    /// Every width and every short count (the word-at-a-time reader hands over to a byte
    /// reader near the chunk's end), with other bytes following the chunk.
    @Test func bitPackingRoundTripsEveryWidthAndCountNearTheEnd() throws {
        var rng = SeededRandom(seed: 77)
        for width in 1...32 {
            let mask: UInt64 = (1 << UInt64(width)) - 1
            for count in 0...70 {
                let values = (0..<count).map { i in i % 5 == 0 ? UInt32(truncatingIfNeeded: mask) : UInt32(truncatingIfNeeded: rng.next() & mask) }
                var w = BinaryWriter()
                BitPacking.encode(values, width: width, into: &w)
                let chunk = w.count
                w.u64(0xFFFF_FFFF_FFFF_FFFF)
                let decoded: Result<[UInt32], DecodeFailure> = w.bytes.withUnsafeBytes { buf in
                    var r = BinaryReader(buf, start: 0, end: chunk)
                    return Result { () throws(DecodeFailure) in try BitPacking.decode(&r, count: count) }
                }
                #expect(try decoded.get() == values, "width \(width), count \(count)")
            }
        }
    }

    /// Byte order, not Swift's string order, and byte equality, not canonical equivalence.
    @Test func comparesStringsByUTF8Bytes() {
        #expect(utf8Compare("Z", "a") < 0)
        #expect(utf8Compare("", "a") < 0)
        #expect(utf8Compare("ab", "a") > 0)
        #expect(utf8Compare("e\u{301}", "\u{e9}") < 0)
        #expect(!utf8Equal("e\u{301}", "\u{e9}"))
        #expect(Set([UTF8Key("e\u{301}"), UTF8Key("\u{e9}")]).count == 2)
        #expect(utf8Equal("日本語", "日本" + "語"))
    }
}

/// Bitmaps and byte-string tables, the building blocks of column building and gathering.
struct ColumnBuildingBlockTests {
    @Test(arguments: [0, 1, 5, 63, 64, 65, 130])
    func settingRowsOfAnotherBitmapAtAnOffsetMatchesSettingThemOneByOne(offset: Int) {
        var random = SeededRandom(seed: UInt64(offset) + 7)
        let other = Bitmap(count: 150) { _ in random.next() % 3 == 0 }
        var fast = Bitmap(count: 300)
        fast.setRows(of: other, at: offset)
        var slow = Bitmap(count: 300)
        for r in other.setRows { slow[offset + r] = true }
        #expect(fast == slow)
        #expect(fast.setCount == other.setCount)
    }

    @Test func numbersByteStringsInOrderOfFirstAppearance() {
        var table = ByteStringTable(capacity: 2)
        let words = (0..<500).map { "w\($0 % 137)-" + String(repeating: "x", count: $0 % 19) }
        var seen: [String: UInt32] = [:]
        for w in words {
            let (id, inserted) = table.id(of: w)
            if let known = seen[w] {
                #expect(id == known && !inserted)
            } else {
                #expect(inserted && Int(id) == seen.count)
                seen[w] = id
            }
            #expect(table.string(Int(id)) == w)
        }
        #expect(table.count == seen.count)
        #expect(table.id(of: "").inserted && !table.id(of: "").inserted)
    }
}
