// A flush: events frozen out of the memtable (its columnar runs as they are, its tail decoded)
// become one part per UTC day, profile updates go
// to the update log, the flush mark moves past them, and only then may the WAL be trimmed.
// Order matters for crash safety (see docs/on-disk-format.md, "Recovery").

import ApusStoreCore
import ApusModel
import Foundation
import Logging

/// What a flush moves out of memory.
package struct FlushJob: Sendable {
    package var log: ProjectLog
    /// The frozen memtable: its runs are read as columns, only its tail is decoded.
    package var memtable: Memtable
    package var updates: [(kind: WALRecordKind, chunk: MemtableChunk)]
    /// Every record below this sequence number is in `chunks` or `updates` (or older parts).
    package var boundary: UInt64
    /// The profiles and identity graph with every record below `boundary` applied, to be
    /// checkpointed when they changed since the last checkpoint (nil: unchanged).
    package var checkpoint: (profiles: ProfileTables, identity: IdentityGraph)? = nil
    /// Identity facts of the frozen events that the update log does not hold yet, in order.
    package var newLinks: [IdentityLink] = []
    /// How many facts of the graph's order the log holds once this flush lands.
    package var linkCountAfter = 0

    /// Writes parts and the update log, then the flush mark. Returns the new parts, and
    /// whether the profile checkpoint was written.
    package func run() throws(StoreError) -> (parts: [BlockPart], checkpointed: Bool) {
        var written: [BlockPart] = []
        do throws(StoreError) {
            let parts = try run(recordingInto: &written)
            // After the mark: the checkpoint is a cache of the log (recovery replays what it
            // lacks), so a failure here loses nothing and is retried at the next flush.
            var checkpointed = false
            if let checkpoint, (try? log.userIds.persist()) != nil {
                // (The uids it holds are made durable first.)
                checkpointed = (try? ProfileCheckpoint.write(checkpoint.profiles, checkpoint.identity, throughSeq: boundary,
                                                              directory: log.directory, fs: log.fs)) != nil
            }
            return (parts, checkpointed)
        } catch {
            // The mark may have landed even though a later step (the folder's fsync) failed: then
            // the WAL below it may go at the next start, and these parts are the only copy.
            if FlushManifest.landed(boundary, directory: log.directory, fs: log.fs) { return (written, false) }
            // Parts of a failed flush are removed so a retry does not leave two copies behind.
            for part in written { try? log.fs.remove(part.path) }
            throw error
        }
    }

    private func run(recordingInto parts: inout [BlockPart]) throws(StoreError) -> [BlockPart] {
        let tail = Array(memtable.tail)
        let days = MemtableRun.days(memtable.runs, tail: tail, in: Int32.min...Int32.max)
        let request = MergingCursor.sourceRequest(.everything(days: Int32.min...Int32.max))
        // Rows a deletion hides are not written.
        let hidden = EmbeddedEventStore.hidden(log.state.withLock { $0.deletions }, log.userIds)
        for day in days.sorted() {
            var sources = memtable.runs.compactMap { run in run.blocksByDay[day].map { EventBlockCursor.over($0) } }
            if !tail.isEmpty {
                sources.append(.over(try MemtableBlocks.blocks(tail, day: day, request: request, userIds: log.userIds)))
            }
            // Every distinct id gets its uid, durably, before a part may refer to it.
            try log.userIds.persist()
            if let part = try DayPartWriter.write(project: log.id, day: day, sources: sources.map { EmbeddedSnapshot.dropping(hidden, from: $0) },
                                                  directory: log.partsDirectory,
                                                  fs: log.fs, cache: log.cache) {
                parts.append(part)
            }
        }
        do throws(FileError) {
            // Profile updates in sequence order, and the identity facts of the events flushed
            // that no earlier flush logged (the WAL that held them is about to go), in the
            // order they were applied, as one frame numbered from the first event flushed
            // (the order between facts and updates changes nothing).
            var pieces: [(seq: UInt64, frame: [UInt8])] = []
            for (kind, chunk) in updates {
                let payload = WALPayload(kind: kind, receivedMs: chunk.receivedMs, records: (0..<chunk.count).map { chunk.record(at: $0) })
                pieces.append((chunk.firstSeq, payload.frame(firstSeq: chunk.firstSeq)))
            }
            if !newLinks.isEmpty {
                let first = memtable.chunks.first?.firstSeq ?? boundary - 1
                let receivedMs = memtable.chunks.first?.receivedMs ?? 0
                let payload = WALPayload(kind: .identityLinks, receivedMs: receivedMs, records: newLinks.map(\.json))
                pieces.append((first, payload.frame(firstSeq: first)))
            }
            try ProfileUpdateLog.appendThenMark(pieces.sorted { $0.seq < $1.seq }.flatMap(\.frame), mark: boundary,
                                                directory: log.directory, fs: log.fs)
        } catch {
            throw .io(error)
        }
        return parts
    }
}
