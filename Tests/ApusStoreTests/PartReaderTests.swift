// The reader's column accessors agree with the events it rebuilds, it can be shared between
// tasks, and its errors keep their stable codes.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct PartReaderTests {
    @Test func exposesColumnsThatAgreeWithTheEvents() throws {
        var gen = PartEventGenerator(seed: 31)
        let part = try openPart(try encodePart(gen.events(400)))
        let events = Array(try part.events())
        #expect(try part.times == events.map(\.event.timeMs))
        #expect(try part.seqs == events.map(\.seq))
        #expect(try part.nameIds.map { try part.names[Int($0)] } == events.map(\.event.name))
        #expect(try part.distinctIds.idPerRow().map { try part.distinctIds.dictionary[Int($0)] } == events.map(\.event.distinctId))
        #expect(try part.insertIds == events.map(\.event.insertId))
        let price = try #require(try part.propertyColumn(named: "price"))
        #expect(price.rows.map { events[Int($0)].event.properties[key: "price"] } == (0..<price.values.count).map { price.values.value(at: $0) })
        #expect(try part.propertyColumn(named: "no such key") == nil)
    }

    @Test func canBeReadFromManyTasksAtOnce() async throws {
        var gen = PartEventGenerator(seed: 32)
        let events = gen.events(2000)
        let part = try openPart(try encodePart(events))
        let expected = referenceSorted(events)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? part.events()).map { sameBytes(Array($0), expected) } ?? false }
            }
            var all: [Bool] = []
            for await ok in group { all.append(ok) }
            return all
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }

    @Test func refusesRowsOutsideThePart() throws {
        var gen = PartEventGenerator(seed: 33)
        let part = try openPart(try encodePart(gen.events(3)))
        #expect(partErrorCode(try part.event(at: 3)) == .invalidInput)
        #expect(partErrorCode(try part.event(at: -1)) == .invalidInput)
        #expect(partErrorCode(try part.propertyColumn(id: part.propertyColumnCount)) == .invalidInput)
    }

    /// Codes are API: logs, `apus verify` output and the store's error mapping depend on them.
    @Test func keepsStableErrorCodes() {
        let codes: [PartError.Code] = [.io, .notAPart, .unsupportedVersion, .unsupportedCodec, .checksumMismatch, .truncated,
                                       .malformed, .invariantViolated, .invalidInput, .limitExceeded, .exists]
        #expect(codes.map(\.rawValue) == ["part_io", "part_not_a_part", "part_unsupported_version", "part_unsupported_codec",
                                          "part_checksum_mismatch", "part_truncated", "part_malformed", "part_invariant_violated",
                                          "part_invalid_input", "part_limit_exceeded", "part_exists"])
        let error = PartError(.checksumMismatch, file: "/d/x.part", section: "time", "damaged")
        #expect(StoreError(error).code == .partDamaged)
        #expect((StoreError(error).cause as? PartError)?.code == .checksumMismatch)
        #expect(StoreError(error).message == "part_checksum_mismatch: /d/x.part, section time: damaged")
    }
}
