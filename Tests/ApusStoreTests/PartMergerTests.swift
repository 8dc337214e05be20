// Merging parts of one day writes one deduplicated part and leaves the inputs alone.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct PartMergerTests {
    @Test func mergesPartsIntoOneDeduplicatedPart() throws {
        let dir = try PartTempDirectory()
        defer { dir.remove() }
        var gen = PartEventGenerator(seed: 21)
        let first = gen.events(300)
        var resent = Array(first.prefix(50))
        for i in resent.indices {
            resent[i].seq += 1000
            resent[i].event.properties = [JSONMember("resent", .bool(true))]
        }
        let second = gen.events(200, firstSeq: 2000) + resent
        let writer = PartWriter(projectId: 7, day: gen.day)
        let a = try writer.write(first, to: dir.url.appendingPathComponent("a.part"))
        let b = try writer.write(second, to: dir.url.appendingPathComponent("b.part"))

        let merged = try PartMerger.merge(parts: [a, b], into: dir.url)
        try merged.verifyInvariants()
        #expect(merged.rowCount == 500)
        #expect(merged.metadata.minSeq == 51 && merged.metadata.maxSeq == 2199)
        #expect(try dir.files() == ["7-19700-51-2199.part", "a.part", "b.part"])
        let events = Array(try merged.events())
        #expect(events.filter { $0.event.properties == [JSONMember("resent", .bool(true))] }.count == 50)
        #expect(sameBytes(Array(try PartReader(url: merged.url).events()), events))
    }

    @Test func picksAnotherNameWhenTheNaturalOneIsTaken() throws {
        let dir = try PartTempDirectory()
        defer { dir.remove() }
        var gen = PartEventGenerator(seed: 22)
        let events = gen.events(20)
        let writer = PartWriter(projectId: 7, day: gen.day)
        let natural = PartFileName.make(projectId: 7, day: gen.day, minSeq: 1, maxSeq: 20)
        let a = try writer.write(events, to: dir.url.appendingPathComponent(natural))
        let merged = try PartMerger.merge(parts: [a, a], into: dir.url)
        #expect(merged.url.lastPathComponent == "7-19700-1-20-1.part")
        #expect(sameBytes(Array(try merged.events()), Array(try a.events())))
    }

    @Test func refusesPartsOfDifferentDaysOrProjects() throws {
        var gen = PartEventGenerator(seed: 23)
        var other = PartEventGenerator(seed: 24, day: 19_701)
        let a = try openPart(try encodePart(gen.events(5)))
        let b = try openPart(try encodePart(other.events(5)))
        let c = try openPart(try encodePart(gen.events(5), project: 8))
        let dir = URL(fileURLWithPath: "/nonexistent")
        #expect(partErrorCode(try PartMerger.merge(parts: [a, b], into: dir)) == .invalidInput)
        #expect(partErrorCode(try PartMerger.merge(parts: [a, c], into: dir)) == .invalidInput)
        #expect(partErrorCode(try PartMerger.merge(parts: [], into: dir)) == .invalidInput)
    }
}
