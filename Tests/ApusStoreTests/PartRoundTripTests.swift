// Writing events to a part and reading them back gives the same events, byte for byte, in
// part row order, with property order kept.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct PartRoundTripTests {
    /// Random events with unicode, empty ids, nested and mixed values survive a round trip.
    @Test(arguments: [1, 2, 3, 42, 2024] as [UInt64])
    func roundTripsRandomEventsExactly(seed: UInt64) throws {
        var gen = PartEventGenerator(seed: seed)
        let events = gen.events(300 + Int(seed % 200))
        let part = try openPart(try encodePart(events))
        try part.verifyInvariants()
        let read = Array(try part.events())
        #expect(sameBytes(read, referenceSorted(events)), "seed \(seed)")
        #expect(part.rowCount == events.count)
        for row in stride(from: 0, to: read.count, by: 7) {
            #expect(try part.event(at: row) == read[row], "seed \(seed) row \(row)")
        }
    }

    /// Rows are sorted by distinct id bytes (not Swift string order), then time, then seq.
    @Test func sortsRowsByDistinctIdBytesThenTimeThenSeq() throws {
        let t = Int64(19_700) * 86_400_000
        func e(_ user: String, _ dt: Int64, _ seq: UInt64) -> StoredEvent {
            StoredEvent(seq: seq, event: Event(name: "e", distinctId: user, timeMs: t + dt, insertId: "\(seq)", properties: []))
        }
        let events = [e("b", 5, 1), e("a", 9, 2), e("\u{e9}", 0, 3), e("e\u{301}", 0, 4), e("a", 9, 0), e("", 100, 5), e("a", 1, 6), e("Z", 3, 7)]
        let part = try openPart(try encodePart(events))
        let read = Array(try part.events())
        #expect(read.map(\.seq) == [5, 7, 6, 0, 2, 1, 4, 3])
        #expect(try part.distinctIds.dictionary.map { Array($0.utf8) } == ["", "Z", "a", "b", "e\u{301}", "\u{e9}"].map { Array($0.utf8) })
        #expect(try part.distinctIds.rowStarts == [0, 1, 2, 5, 6, 7, 8])
        #expect(sameBytes(read, referenceSorted(events)))
        try part.verifyInvariants()
    }

    /// Each event keeps its own property order, even when rows share keys in different orders.
    @Test func keepsEachEventsPropertyOrder() throws {
        let t = Int64(19_700) * 86_400_000
        let orders: [[String]] = [["a", "b", "c"], ["c", "b", "a"], ["b"], [], ["a", "a", "c"], ["c", "a", "b", "d"]]
        let events = orders.enumerated().map { i, keys in
            StoredEvent(seq: UInt64(i + 1), event: Event(name: "n", distinctId: "u", timeMs: t + Int64(i), insertId: "",
                                                         properties: keys.enumerated().map { JSONMember($1, .number(Double($0))) }))
        }
        let part = try openPart(try encodePart(events))
        #expect(Array(try part.events()).map { $0.event.properties.map(\.key) } == orders)
        #expect(try part.event(at: 4).event.properties == [JSONMember("a", .number(0)), JSONMember("a", .number(1)), JSONMember("c", .number(2))])
        try part.verifyInvariants()
    }

    /// An event with 255 properties, and a part with thousands of distinct keys, round-trip.
    @Test func storesWideEventsAndManyKeys() throws {
        let t = Int64(19_700) * 86_400_000
        let wide = Event(name: "wide", distinctId: "w", timeMs: t, insertId: "i",
                         properties: (0..<255).map { JSONMember("p\($0)", $0 % 2 == 0 ? .number(Double($0)) : .string("v\($0)")) })
        var events = [StoredEvent(seq: 1, event: wide)]
        for i in 0..<3000 {
            events.append(StoredEvent(seq: UInt64(i + 2), event: Event(name: "k", distinctId: "u\(i % 17)", timeMs: t + Int64(i),
                                                                     insertId: "", properties: [JSONMember("key\(i)", .bool(true))])))
        }
        let part = try openPart(try encodePart(events))
        #expect(part.propertyColumnCount == 255 + 3000)
        #expect(sameBytes(Array(try part.events()), referenceSorted(events)))
        try part.verifyInvariants()
    }

    /// The footer summarises project, day, rows, and time and seq ranges.
    @Test func recordsMetadataInTheFooter() throws {
        var gen = PartEventGenerator(seed: 9, day: -3)
        let events = gen.events(50, firstSeq: 1000)
        let part = try openPart(try encodePart(events, project: 123))
        #expect(part.metadata == PartMetadata(projectId: 123, day: -3, rowCount: 50,
                                              minTimeMs: events.map(\.event.timeMs).min()!, maxTimeMs: events.map(\.event.timeMs).max()!,
                                              minSeq: 1000, maxSeq: 1049))
        try part.verifyInvariants()
    }

    /// The writer refuses empty input, events of another day and repeated seqs, with codes.
    @Test func refusesInputItCannotStore() throws {
        var gen = PartEventGenerator(seed: 5)
        var events = gen.events(10)
        let writer = PartWriter(projectId: 1, day: gen.day)
        #expect(throws: PartError.self) { try writer.encode([]) }
        #expect(partErrorCode(try writer.encode([])) == .invalidInput)
        var other = events[3]
        other.event.timeMs += 86_400_000
        #expect(partErrorCode(try writer.encode(events + [other])) == .invalidInput)
        events.append(events[4])
        #expect(partErrorCode(try writer.encode(events)) == .invalidInput)
    }

    /// Writing the same events in any input order gives the same bytes.
    @Test func writesTheSameBytesWhateverTheInputOrder() throws {
        var gen = PartEventGenerator(seed: 77)
        let events = gen.events(200)
        #expect(try encodePart(events) == encodePart(events.reversed()))
        #expect(try encodePart(events) == encodePart(events.shuffled(using: &gen.rng)))
    }
}

/// The code of the PartError thrown by `body`, or nil when it does not throw.
func partErrorCode<T>(_ body: @autoclosure () throws -> T) -> PartError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as PartError {
        return error.code
    } catch {
        return nil
    }
}
