// Turns one (project, day) batch of events into the bytes of an immutable columnar part, and
// writes them atomically. The writer sorts (see PartRowOrder), builds each column, frames the
// sections with CRCs (PartLayout) and checks the result parses before it reaches the disk.

import ApusStoreCore
import ApusModel
import Foundation

/// Builds part files for one project and UTC day.
package struct PartWriter: Sendable {
    /// The project every event belongs to.
    package let projectId: ProjectID
    /// The UTC day (days since 1970-01-01) every event falls on.
    package let day: Int32

    /// A writer for `projectId`'s events of `day`.
    package init(projectId: ProjectID, day: Int32) {
        self.projectId = projectId
        self.day = day
    }

    /// Encodes, writes atomically to `url` (see PartFile) and returns a reader over the result.
    @discardableResult
    package func write(_ events: [StoredEvent], to url: URL) throws(PartError) -> PartReader {
        let bytes = try encode(events, file: url.path)
        try PartFile.writeAtomically(bytes, to: url)
        return try PartReader(bytes: bytes, url: url)
    }

    /// The bytes of a part holding `events` (in any order; all of `day`, with distinct seqs).
    package func encode(_ events: [StoredEvent], file: String = "<memory>") throws(PartError) -> [UInt8] {
        guard !events.isEmpty else { throw PartError(.invalidInput, file: file, "no events: a part holds at least one row") }
        guard events.count <= PartFormat.rowsMax else {
            throw PartError(.limitExceeded, file: file, "\(events.count) events exceed the \(PartFormat.rowsMax)-row limit of a part; split the batch")
        }
        for i in events.indices where PartFormat.day(ofTimeMs: events[i].event.timeMs) != day {
            throw PartError(.invalidInput, file: file, "event seq \(events[i].seq) at \(events[i].event.timeMs) ms is not on day \(day); group events by UTC day before writing parts")
        }
        let (order, distinctIds, ranks) = PartRowOrder.sortPermutation(events)
        for k in 1..<order.count where ranks[k] == ranks[k - 1] {
            let (a, b) = (order[k - 1], order[k])
            if events[a].event.timeMs == events[b].event.timeMs && events[a].seq == events[b].seq {
                throw PartError(.invalidInput, file: file, "two events share seq \(events[b].seq); dedupe the input (DedupingMerger) before writing")
            }
        }
        let columns = try PartColumnsBuilder(events: events, order: order, distinctIds: distinctIds, ranks: ranks, file: file)
        let meta = PartMetadata(projectId: projectId, day: day, rowCount: events.count,
                                minTimeMs: columns.minTimeMs, maxTimeMs: columns.maxTimeMs, minSeq: columns.minSeq, maxSeq: columns.maxSeq)
        let bytes = try columns.frame(meta)
        assert((try? PartLayout.parse(bytes, file: file)) != nil, "writer produced a part its own reader refuses")
        return bytes
    }
}
