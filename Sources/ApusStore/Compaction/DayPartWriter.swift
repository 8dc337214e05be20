// One day's rows from sorted sources — a flush's memtable rows, or the parts a merge combines —
// written as one deduplicated block part. Flushes and merges share it, so a part never holds
// two rows with one dedupe key, and a day held by a single part can be scanned without merging.

import ApusModel
import ApusStoreCore

enum DayPartWriter {
    /// Merges `sources` (each sorted by (uid, time, seq), scanned with
    /// `MergingCursor.sourceRequest(.everything(...))`) and writes them as a part of `day` in
    /// `directory`. Returns the opened part, or nil when no row remains.
    static func write(project: ProjectID, day: Int32, sources: [EventBlockCursor], directory: String,
                      fs: any FileSystem, cache: BlockCache) throws(StoreError) -> BlockPart? {
        let merged = try MergingCursor(day: day, request: .everything(days: day...day), sources: sources)
        var blocks: [EventBlock] = []
        while let b = try merged.next() { blocks.append(b) }
        return try write(project: project, day: day, deduplicated: blocks, directory: directory, fs: fs, cache: cache)
    }

    /// Writes `blocks` — rows of `day` in (uid, time, seq) order, no two with one dedupe key,
    /// with seqs, insert ids and every property — as a part of `day` in `directory`. Returns
    /// the opened part, or nil when they hold no row.
    static func write(project: ProjectID, day: Int32, deduplicated blocks: [EventBlock], directory: String,
                      fs: any FileSystem, cache: BlockCache) throws(StoreError) -> BlockPart? {
        var minSeq = UInt64.max, maxSeq: UInt64 = 0
        for b in blocks {
            for s in b.seqs {
                minSeq = min(minSeq, s)
                maxSeq = max(maxSeq, s)
            }
        }
        guard blocks.contains(where: { $0.count > 0 }) else { return nil }
        do throws(FileError) { try fs.makeDirectories(directory) } catch { throw .io(error) }
        for attempt in 0..<64 {
            let path = directory + "/" + PartFileName.make(projectId: project, day: day, minSeq: minSeq, maxSeq: maxSeq, attempt: attempt)
            if fs.exists(path) { continue }
            try BlockPartWriter(project: project, day: day, fs: fs).write(blocks.filter { $0.count > 0 }, to: path)
            return try BlockPart(path: path, fs: fs, cache: cache)
        }
        throw StoreError(.partNameExhausted, "no free part name in \(directory)")
    }
}
