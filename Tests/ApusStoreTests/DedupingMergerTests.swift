// DedupingMerger against a naive oracle: a dictionary keyed by Mixpanel's dedupe key keeping
// the highest seq, then sorted. Also: idempotence, never growing, sorted output.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Testing

struct DedupingMergerTests {
    /// The oracle: Mixpanel dedupe by (name, distinct id, second, insert id) bytes, max seq wins.
    private func naiveDedupe(_ events: [StoredEvent]) -> [StoredEvent] {
        struct Key: Hashable { let name: [UInt8], user: [UInt8], second: Int64, insert: [UInt8] }
        var best: [Key: StoredEvent] = [:]
        for e in events {
            let key = Key(name: Array(e.event.name.utf8), user: Array(e.event.distinctId.utf8), second: e.timeSecond,
                          insert: Array(e.event.insertId.utf8))
            if let old = best[key], old.seq >= e.seq { continue }
            best[key] = e
        }
        return referenceSorted(Array(best.values))
    }

    /// Events with many duplicates: copies re-sent later with a new seq, and collisions that
    /// differ in only one part of the key.
    private func eventsWithDuplicates(seed: UInt64, count: Int) -> [StoredEvent] {
        var gen = PartEventGenerator(seed: seed)
        gen.users = ["a", "b", "e\u{301}", "\u{e9}", ""]
        var events: [StoredEvent] = []
        var seq: UInt64 = 1
        for _ in 0..<count {
            var e = gen.event(seq: seq)
            e.event.timeMs = gen.dayStartMs + Int64(gen.rng.next() % 20_000)
            e.event.insertId = ["x", "y", "z", "é", "e\u{301}"][Int(gen.rng.next() % 5)]
            e.event.name = ["A", "B"][Int(gen.rng.next() % 2)]
            events.append(e)
            seq += 1
            if gen.rng.next() % 3 == 0 {
                var copy = events[Int(gen.rng.next() % UInt64(events.count))]
                copy.seq = seq
                copy.event.timeMs = copy.timeSecond * 1000 + Int64(gen.rng.next() % 1000)
                copy.event.properties = [JSONMember("copy", .number(Double(seq)))]
                events.append(copy)
                seq += 1
            }
        }
        return events
    }

    /// Splits `events` into `k` sorted streams at random.
    private func split(_ events: [StoredEvent], into k: Int, seed: UInt64) -> [[StoredEvent]] {
        var rng = PartSeededRandom(seed: seed)
        var streams = [[StoredEvent]](repeating: [], count: k)
        for e in events { streams[Int(rng.next() % UInt64(k))].append(e) }
        return streams.map(referenceSorted)
    }

    @Test(arguments: [(1, 1), (2, 2), (3, 3), (4, 8), (5, 1), (6, 16)] as [(UInt64, Int)])
    func mergesToTheSameResultAsNaiveDedupe(seed: UInt64, streams: Int) {
        let events = eventsWithDuplicates(seed: seed, count: 2000)
        let merged = Array(DedupingMerger(sequences: split(events, into: streams, seed: seed)))
        #expect(sameBytes(merged, naiveDedupe(events)), "seed \(seed), \(streams) streams")
        #expect(merged.count <= events.count)
        #expect(zip(merged, merged.dropFirst()).allSatisfy { PartRowOrder.precedes($0, $1) })
    }

    @Test(arguments: [7, 8, 9] as [UInt64])
    func mergingIsIdempotent(seed: UInt64) {
        let events = eventsWithDuplicates(seed: seed, count: 1000)
        let once = Array(DedupingMerger(sequences: split(events, into: 3, seed: seed)))
        let twice = Array(DedupingMerger(sequences: [once]))
        let withItself = Array(DedupingMerger(sequences: [once, once]))
        #expect(sameBytes(twice, once))
        #expect(sameBytes(withItself, once))
    }

    @Test func keepsTheCopyWithTheHigherSeqWhateverTheStream() {
        let t = Int64(19_700) * 86_400_000
        func e(_ seq: UInt64, _ ms: Int64, _ insert: String = "i", name: String = "n") -> StoredEvent {
            StoredEvent(seq: seq, event: Event(name: name, distinctId: "u", timeMs: t + ms, insertId: insert, properties: [JSONMember("v", .number(Double(seq)))]))
        }
        let a = [e(1, 100), e(5, 2500)]
        let b = [e(3, 900), e(4, 999, "j"), e(2, 2000)]
        let merged = Array(DedupingMerger(sequences: [a, b]))
        // seq 1 and 3 share second 0: 3 wins; 4 has another insert id; 2 and 5 share second 2: 5 wins.
        #expect(merged.map(\.seq) == [3, 4, 5])
        #expect(Array(DedupingMerger(sequences: [b, a])).map(\.seq) == [3, 4, 5])
        // Different name, second or distinct id bytes: not duplicates.
        let distinct = [e(1, 0), e(2, 1000), e(3, 5, name: "m")]
        #expect(Array(DedupingMerger(sequences: [referenceSorted(distinct)])).count == 3)
    }

    /// Groups larger than the pairwise-comparison limit are deduplicated by hashing.
    @Test func dedupesLargeGroupsWithinOneSecond() {
        let t = Int64(19_700) * 86_400_000
        let events = (0..<500).map { i in
            StoredEvent(seq: UInt64(i + 1), event: Event(name: "n", distinctId: "u", timeMs: t + Int64(i % 1000),
                                                         insertId: "i\(i % 37)", properties: []))
        }
        let merged = Array(DedupingMerger(sequences: split(events, into: 4, seed: 1)))
        #expect(merged.count == 37)
        #expect(sameBytes(merged, naiveDedupe(events)))
    }

    @Test func mergesNoStreamsAndEmptyStreams() {
        #expect(Array(DedupingMerger(sequences: [] as [[StoredEvent]])).isEmpty)
        #expect(Array(DedupingMerger(sequences: [[], []] as [[StoredEvent]])).isEmpty)
    }
}
