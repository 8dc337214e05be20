// Physical dedupe and compaction: several parts of one (project, day) become one part. Events
// stream through DedupingMerger, so duplicates across and within parts are removed (the copy
// with the higher seq wins). The inputs stay on disk: removing them, after the new part is
// durable and recorded, is the caller's job.

import ApusStoreCore
import Foundation

/// Merges parts of the same project and day into one new part.
package enum PartMerger {
    /// How many suffixed names to try when the natural name is taken.
    static let nameAttemptsMax = 64

    /// Writes the deduplicated union of `parts` into `directory` and returns the new part.
    package static func merge(parts: [PartReader], into directory: URL) throws(PartError) -> PartReader {
        guard let first = parts.first else {
            throw PartError(.invalidInput, file: directory.path, "no parts to merge; pass at least one")
        }
        let (project, day) = (first.metadata.projectId, first.metadata.day)
        for p in parts where p.metadata.projectId != project || p.metadata.day != day {
            throw PartError(.invalidInput, file: p.url.path,
                            "part of project \(p.metadata.projectId), day \(p.metadata.day) cannot merge with project \(project), day \(day); merge parts of one day only")
        }
        var sequences: [PartEventSequence] = []
        for p in parts { sequences.append(try p.events()) }
        var merged: [StoredEvent] = []
        merged.reserveCapacity(parts.reduce(0) { $0 + $1.rowCount })
        for event in DedupingMerger(sequences: sequences) { merged.append(event) }

        let writer = PartWriter(projectId: project, day: day)
        let bytes = try writer.encode(merged, file: directory.path)
        let meta = try PartReader(bytes: bytes, url: directory).metadata
        for attempt in 0..<nameAttemptsMax {
            let name = PartFileName.make(projectId: project, day: day, minSeq: meta.minSeq, maxSeq: meta.maxSeq, attempt: attempt)
            let url = directory.appendingPathComponent(name)
            do {
                try PartFile.writeAtomically(bytes, to: url)
                return try PartReader(bytes: bytes, url: url)
            } catch where error.code == .exists {
                continue
            }
        }
        throw PartError(.exists, file: directory.path, "\(nameAttemptsMax) candidate names for the merged part are all taken; clean up the parts directory")
    }
}
