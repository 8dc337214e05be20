// Parts reach the disk atomically: written to a `.tmp` file, synced, renamed; never overwriting
// an existing part; nothing half-written is ever visible under a part name.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct PartFileTests {
    @Test func writesAtomicallyAndLeavesNoTemporaryFile() throws {
        let dir = try PartTempDirectory()
        defer { dir.remove() }
        var gen = PartEventGenerator(seed: 3)
        let events = gen.events(100)
        let url = dir.url.appendingPathComponent(PartFileName.make(projectId: 7, day: gen.day, minSeq: 1, maxSeq: 100))
        let written = try PartWriter(projectId: 7, day: gen.day).write(events, to: url)
        #expect(try dir.files() == ["7-19700-1-100.part"])
        #expect(try dir.files().allSatisfy { PartFileName.isPart($0) && !PartFileName.isTemporary($0) })
        let reopened = try PartReader(url: url)
        try reopened.verifyInvariants()
        #expect(reopened.metadata == written.metadata)
        #expect(sameBytes(Array(try reopened.events()), referenceSorted(events)))
    }

    @Test func neverOverwritesAnExistingPart() throws {
        let dir = try PartTempDirectory()
        defer { dir.remove() }
        var gen = PartEventGenerator(seed: 4)
        let url = dir.url.appendingPathComponent("p.part")
        let writer = PartWriter(projectId: 7, day: gen.day)
        try writer.write(gen.events(10), to: url)
        let before = try Data(contentsOf: url)
        #expect(partErrorCode(try writer.write(gen.events(10, firstSeq: 50), to: url)) == .exists)
        #expect(try Data(contentsOf: url) == before)
        #expect(try dir.files() == ["p.part"])
    }

    @Test func reportsIOErrorsWithTheFileName() throws {
        var gen = PartEventGenerator(seed: 5)
        let url = URL(fileURLWithPath: "/nonexistent-apus-dir/x.part")
        do {
            try PartWriter(projectId: 7, day: gen.day).write(gen.events(3), to: url)
            Issue.record("write into a missing directory succeeded")
        } catch {
            #expect(error.code == .io)
            #expect(error.description.contains("/nonexistent-apus-dir/x.part"))
        }
        #expect(partErrorCode(try PartReader(url: url)) == .io)
    }

    @Test func recognisesPartAndTemporaryNames() {
        #expect(PartFileName.make(projectId: 3, day: -2, minSeq: 5, maxSeq: 9) == "3--2-5-9.part")
        #expect(PartFileName.make(projectId: 3, day: 19_000, minSeq: 5, maxSeq: 9, attempt: 2) == "3-19000-5-9-2.part")
        #expect(PartFileName.isPart("3-19000-5-9.part"))
        #expect(!PartFileName.isPart("3-19000-5-9.part.tmp"))
        #expect(PartFileName.isTemporary("3-19000-5-9.part.tmp"))
    }
}
