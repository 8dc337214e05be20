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
    @Test func damagedRecordsThrow() {
        let bytes = EventCodec.encode(Event(name: "E", distinctId: "u", timeMs: 1, insertId: "i", properties: [JSONMember("k", .string("v"))]))
        for cut in 0..<bytes.count {
            #expect(throws: DecodeFailure.self) { try EventCodec.decode(Array(bytes[0..<cut])) }
        }
        #expect(throws: DecodeFailure.self) { try EventCodec.decode([0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) }
    }
}
