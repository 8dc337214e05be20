// Each column encoding picks the expected form and reproduces its values exactly, including the
// edge values of each type.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct ColumnEncodingTests {
    private static let t0 = Int64(19_700) * 86_400_000

    /// A part whose row i has property `key` set to values[i] (nil: absent).
    private func part(key: String, _ values: [JSONValue?]) throws -> PartReader {
        let events = values.enumerated().map { i, v in
            StoredEvent(seq: UInt64(i + 1), event: Event(name: "e", distinctId: "u", timeMs: Self.t0 + Int64(i), insertId: "",
                                                         properties: v.map { [JSONMember(key, $0)] } ?? []))
        }
        let part = try openPart(try encodePart(events))
        try part.verifyInvariants()
        #expect(Array(try part.events()).map { $0.event.properties.first?.value } == values)
        return part
    }

    @Test func storesRepeatedStringsAsADictionary() throws {
        let column = try #require(try part(key: "plan", (0..<40).map { .string(["free", "pro", "", "日本"][$0 % 4]) }).propertyColumn(named: "plan"))
        guard case .strings(let strings) = column.values else { Issue.record("expected strings"); return }
        #expect(strings.dictionary == ["free", "pro", "", "日本"])
    }

    @Test func storesMostlyDistinctStringsPlainly() throws {
        let column = try #require(try part(key: "url", (0..<40).map { .string("https://x/\($0)") }).propertyColumn(named: "url"))
        guard case .strings(let strings) = column.values else { Issue.record("expected strings"); return }
        #expect(strings.dictionary.count == 40)
    }

    @Test func storesIntegralNumbersAsIntegers() throws {
        let values: [JSONValue?] = [.number(0), .number(-1), .number(9_007_199_254_740_991), .number(-9_007_199_254_740_991), nil, .number(42)]
        let column = try #require(try part(key: "n", values).propertyColumn(named: "n"))
        #expect(column.values == .integers([0, -1, 9_007_199_254_740_991, -9_007_199_254_740_991, 42]))
        #expect(column.rows == [0, 1, 2, 3, 5])
    }

    @Test func storesOtherNumbersAsDoublesBitForBit() throws {
        let values: [JSONValue?] = [.number(0.5), .number(-0.0), .number(1), .number(9_007_199_254_740_992), .number(-1e-300), .number(.greatestFiniteMagnitude)]
        let column = try #require(try part(key: "d", values).propertyColumn(named: "d"))
        guard case .doubles(let doubles) = column.values else { Issue.record("expected doubles"); return }
        #expect(doubles[1].sign == .minus && doubles[1] == 0)
        #expect(column.rows == [0, 1, 2, 3, 4, 5])
    }

    @Test func storesBooleansAsBits() throws {
        let values: [JSONValue?] = (0..<19).map { $0 % 5 == 0 ? nil : .bool($0 % 3 == 0) }
        let column = try #require(try part(key: "b", values).propertyColumn(named: "b"))
        guard case .booleans = column.values else { Issue.record("expected booleans"); return }
    }

    @Test func storesNullsArraysObjectsAndMixedTypesRaw() throws {
        let values: [JSONValue?] = [.null, .array([.number(1), .string("x"), .array([])]), .object([JSONMember("k", .object([])), JSONMember("k", .null)]),
                                    .string("s"), .number(1.5), .bool(false), nil]
        let column = try #require(try part(key: "m", values).propertyColumn(named: "m"))
        guard case .raw = column.values else { Issue.record("expected raw"); return }
    }

    /// Bit-packing round-trips every width and refuses ids past the dictionary.
    @Test(arguments: [0, 1, 2, 7, 8, 9, 13, 16, 31, 32])
    func bitPacksEveryWidth(width: Int) throws {
        var rng = PartSeededRandom(seed: UInt64(width))
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

    /// Delta coding survives the extremes of Int64 and UInt64 (arithmetic wraps).
    @Test func deltaCodesExtremeValues() throws {
        let signed: [Int64] = [0, .max, .min, -1, 1, .max, 5, .min]
        let unsigned: [UInt64] = [.max, 0, 1, .max, 7]
        var w = BinaryWriter()
        DeltaCoding.encode(signed, into: &w)
        DeltaCoding.encode(unsigned, into: &w)
        let decoded: Result<([Int64], [UInt64]), DecodeFailure> = w.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            return Result { () throws(DecodeFailure) in
                (try DeltaCoding.decodeSigned(&r, count: signed.count), try DeltaCoding.decodeUnsigned(&r, count: unsigned.count))
            }
        }
        let (s, u) = try decoded.get()
        #expect(s == signed && u == unsigned)
    }

    /// UUID and hex insert ids take 17 bytes and come back with their original case and dashes.
    @Test func storesInsertIdsCompactlyAndExactly() throws {
        let ids = ["0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5bd9cb469fa16570867728950e",
                   "0F8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5BD9CB469FA16570867728950E", "", "short", "12345678-1234-1234-1234-123456789012",
                   "0f8fad5b-d9cb-469f-a165-70867728950e-", "g0000000-0000-0000-0000-000000000000", "ünï"]
        var w = BinaryWriter()
        InsertIdColumn.encode(ids, into: &w)
        // Headers of strings of 32 bytes or more take two varint bytes (length << 2 ≥ 128).
        #expect(w.count == 17 * 3 + (2 + 36) + (2 + 32) + 1 + (1 + 5) + 17 + (2 + 37) + (2 + 36) + (1 + 5))
        let decoded: Result<[String], DecodeFailure> = w.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            return Result { () throws(DecodeFailure) in try InsertIdColumn.decode(&r, count: ids.count) }
        }
        #expect(try decoded.get() == ids)
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
