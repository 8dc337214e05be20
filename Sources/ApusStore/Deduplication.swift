// Mixpanel's dedupe rule: two events are one when event name, distinct id, time to the second
// and $insert_id all match; the copy ingested last (highest seq) wins.

/// Dedupe over events already in storage order (distinct id, time, seq).
package enum Deduplication {
    /// Removes duplicates from `events`, which must be in storage order. Rows sharing
    /// (distinct id, second) are contiguous in that order, so only such a group is compared.
    package static func dedupeSorted(_ events: [StoredEvent]) -> [StoredEvent] {
        var out: [StoredEvent] = []
        out.reserveCapacity(events.count)
        var groupStart = 0
        for e in events {
            if groupStart < out.count,
               out[groupStart].event.distinctId != e.event.distinctId || out[groupStart].timeSecond != e.timeSecond {
                groupStart = out.count
            }
            if let i = out[groupStart...].firstIndex(where: { $0.event.name == e.event.name && $0.event.insertId == e.event.insertId }) {
                if e.seq > out[i].seq { out[i] = e }
            } else {
                out.append(e)
            }
        }
        return out
    }
}
