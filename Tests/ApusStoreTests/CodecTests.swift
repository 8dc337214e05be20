import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Testing

struct CodecTests {
    /// CRC-32C matches the standard check value and is the same sliced or bytewise.
    @Test func crc32cMatchesTheCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(data)
        let chained = CRC32C.checksum(Array(data[500...]), seed: CRC32C.checksum(Array(data[..<500])))
        #expect(whole == chained)
    }

    /// The processor's instruction (where used) and the tables agree on every length and
    /// alignment, chained or not.
    @Test func crc32cInstructionAndTablesAgree() {
        var rng = SeededRandom(seed: 5)
        let data = (0..<4100).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        data.withUnsafeBytes { all in
            for start in [0, 1, 3, 7, 8] {
                for length in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4091] {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let seed = UInt32(truncatingIfNeeded: rng.next())
                    #expect(CRC32C.checksum(slice, seed: seed) == CRC32C.tableChecksum(slice, seed: seed), "start \(start), length \(length)")
                }
            }
        }
    }

    /// Every kind of value survives the binary event record.
    @Test func eventRecordsRoundTrip() throws {
        let e = Event(name: "Ünïcode 🎉", distinctId: "", timeMs: -5, insertId: "x",
                      properties: [
                          JSONMember("n", .null), JSONMember("t", .bool(true)), JSONMember("f", .bool(false)),
                          JSONMember("int", .number(42)), JSONMember("neg", .number(-7)), JSONMember("d", .number(3.25)),
                          JSONMember("big", .number(1e300)), JSONMember("negzero", .number(-0.0)),
                          JSONMember("s", .string("line\nbreak")),
                          JSONMember("a", .array([.number(1), .string("two"), .array([])])),
                          JSONMember("o", .object([JSONMember("deep", .object([JSONMember("x", .bool(false))]))])),
                      ])
        let decoded = try EventCodec.decode(EventCodec.encode(e))
        #expect(decoded == e)
        #expect(decoded.properties[key: "negzero"]?.numberValue?.sign == .minus)
    }

    /// Truncated or garbage records throw, never trap.
    /// Lists and objects become the same JSON text read straight from their binary form as
    /// through a decoded value, for every kind of element.
    @Test func binaryValuesWriteTheJSONTheirDecodedFormWrites() throws {
        var rng = SeededRandom(seed: 21)
        func scalar() -> JSONValue {
            switch rng.next() % 9 {
            case 0: return .null
            case 1: return .bool(rng.next() % 2 == 0)
            case 2: return .number(Double(Int64(bitPattern: rng.next()) % 1_000_000))
            case 3: return .number(Double(bitPattern: rng.next() >> 2))
            case 4: return .number(-0.0)
            case 5: return .number(9_007_199_254_740_993)
            case 6: return .string(["", "plain", "quote\"back\\slash", "ctl\u{01}\n\t", "Ünïcødé ✓ 🎉"][Int(rng.next() % 5)])
            default: return .string("v\(rng.next() % 100)")
            }
        }
        func value(_ depth: Int) -> JSONValue {
            guard depth < 4, rng.next() % 3 != 0 else { return scalar() }
            let n = Int(rng.next() % 5)
            if rng.next() % 2 == 0 { return .array((0..<n).map { _ in value(depth + 1) }) }
            return .object((0..<n).map { _ in JSONMember(["k", "k", "Ü", "a\"b", ""][Int(rng.next() % 5)], value(depth + 1)) })
        }
        for _ in 0..<500 {
            let v = value(0)
            var w = BinaryWriter()
            ValueCodec.encode(v, into: &w)
            let (streamed, decoded, consumed): ([UInt8]?, [UInt8]?, Bool) = w.bytes.withUnsafeBytes { bytes in
                var text: [UInt8] = []
                var r = BinaryReader(bytes)
                let ok = (try? ValueCodec.writeJSON(&r, into: &text)) != nil
                var again = BinaryReader(bytes)
                return (ok ? text : nil, (try? ValueCodec.decode(&again)).map(JSONWriter.bytes), r.offset == bytes.count)
            }
            #expect(streamed != nil && streamed == decoded, "\(v)")
            #expect(consumed)
        }
    }

    @Test func damagedRecordsThrow() {
        let bytes = EventCodec.encode(Event(name: "E", distinctId: "u", timeMs: 1, insertId: "i", properties: [JSONMember("k", .string("v"))]))
        for cut in 0..<bytes.count {
            #expect(throws: DecodeFailure.self) { try EventCodec.decode(Array(bytes[0..<cut])) }
        }
        #expect(throws: DecodeFailure.self) { try EventCodec.decode([0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) }
    }
}
