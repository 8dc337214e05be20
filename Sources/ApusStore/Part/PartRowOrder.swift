// The order of rows in a part, and of events in every merged stream: by distinct id (UTF-8
// bytes), then time, then seq. Sorting by the user key first makes each user's events one
// contiguous, time-ordered run, which is what funnels, retention and flows walk.

/// Comparisons in part row order.
import ApusStoreCore

package enum PartRowOrder {
    /// Negative, zero or positive as `a` sorts before, with, or after `b`.
    @inline(__always)
    package static func compare(_ a: StoredEvent, _ b: StoredEvent) -> Int {
        let c = utf8Compare(a.event.distinctId, b.event.distinctId)
        if c != 0 { return c }
        if a.event.timeMs != b.event.timeMs { return a.event.timeMs < b.event.timeMs ? -1 : 1 }
        if a.seq != b.seq { return a.seq < b.seq ? -1 : 1 }
        return 0
    }

    /// True when `a` sorts strictly before `b`.
    @inline(__always)
    package static func precedes(_ a: StoredEvent, _ b: StoredEvent) -> Bool { compare(a, b) < 0 }

    /// The permutation that sorts `events` into row order (ties keep input order), and the
    /// distinct ids sorted by bytes with each event's rank among them.
    package static func sortPermutation(_ events: [StoredEvent]) -> (order: [Int], distinctIds: [String], ranks: [UInt32]) {
        var index: [UTF8Key: UInt32] = [:]
        var unique: [String] = []
        var provisional = [UInt32](repeating: 0, count: events.count)
        var last: (String, UInt32)?
        for i in events.indices {
            let user = events[i].event.distinctId
            if let (s, id) = last, utf8Equal(s, user) {
                provisional[i] = id
            } else if let id = index[UTF8Key(user)] {
                provisional[i] = id
                last = (user, id)
            } else {
                let id = UInt32(unique.count)
                index[UTF8Key(user)] = id
                unique.append(user)
                provisional[i] = id
                last = (user, id)
            }
        }
        let byBytes = unique.indices.sorted { utf8Compare(unique[$0], unique[$1]) < 0 }
        var rankOf = [UInt32](repeating: 0, count: unique.count)
        for (rank, id) in byBytes.enumerated() { rankOf[id] = UInt32(rank) }

        struct Key { var rank: UInt32; var index: UInt32; var time: Int64; var seq: UInt64 }
        var keys = events.indices.map { i in
            Key(rank: rankOf[Int(provisional[i])], index: UInt32(i), time: events[i].event.timeMs, seq: events[i].seq)
        }
        keys.sort { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            if a.time != b.time { return a.time < b.time }
            if a.seq != b.seq { return a.seq < b.seq }
            return a.index < b.index
        }
        return (keys.map { Int($0.index) }, byBytes.map { unique[$0] }, keys.map { $0.rank })
    }
}
