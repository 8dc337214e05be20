// Reads a snapshot back as deduplicated events: for each day, the day's parts (already in
// storage order) and the day's memtable rows (sorted here) merge through DedupingMerger.

import ApusStoreCore
import ApusModel

/// Reads events out of one snapshot.
package struct ProjectReader: Sendable {
    package var snapshot: ProjectSnapshot

    /// The UTC days in `range` that hold events, ascending.
    package func days(in range: ClosedRange<Int32>) -> [Int32] {
        var days = Set<Int32>()
        for part in snapshot.parts where range.contains(part.metadata.day) { days.insert(part.metadata.day) }
        for chunk in snapshot.chunks {
            for t in chunk.timesMs {
                let d = utcDay(ofTimeMs: t)
                if range.contains(d) { days.insert(d) }
            }
        }
        return days.sorted()
    }

    package func events(days: ClosedRange<Int32>, names: Set<String>?) throws(StoreError) -> [StoredEvent] {
        var out: [StoredEvent] = []
        for day in days {
            try forEachEvent(day: day) { e in
                if names == nil || names!.contains(e.event.name) { out.append(e) }
            }
        }
        return out
    }

    /// Calls `body` with each event of `day` in storage order, duplicates removed.
    package func forEachEvent(day: Int32, _ body: (StoredEvent) -> Void) throws(StoreError) {
        for e in try iterator(day: day) { body(e) }
    }

    /// The events of `day` in storage order, duplicates removed, pulled one at a time (memory
    /// holds the day's memtable rows and the parts' decoded columns, never the output).
    package func iterator(day: Int32) throws(StoreError) -> DedupingMerger<AnyIterator<StoredEvent>> {
        var sources: [AnyIterator<StoredEvent>] = []
        do throws(PartError) {
            for part in snapshot.parts where part.metadata.day == day {
                sources.append(AnyIterator(try part.events().makeIterator()))
            }
        } catch {
            throw StoreError(error)
        }
        do throws(DecodeFailure) {
            let memory = try Memtable.sortedEvents(in: snapshot.chunks, days: day...day)
            if !memory.isEmpty { sources.append(AnyIterator(memory.makeIterator())) }
        } catch {
            throw StoreError(.memtableDamaged, "an event in memory could not be decoded (\(error.reason)); restart the server to reload it from the WAL")
        }
        return DedupingMerger(sources)
    }
}
