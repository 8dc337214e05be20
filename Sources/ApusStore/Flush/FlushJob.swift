// A flush: events frozen out of the memtable become one part per UTC day, profile updates go
// to the update log, the flush mark moves past them, and only then may the WAL be trimmed.
// Order matters for crash safety (see docs/on-disk-format.md, "Recovery").

import ApusStoreCore
import ApusModel
import Foundation
import Logging

/// What a flush moves out of memory.
package struct FlushJob: Sendable {
    package var log: ProjectLog
    package var chunks: [MemtableChunk]
    package var updates: [(kind: WALRecordKind, chunk: MemtableChunk)]
    /// Every record below this sequence number is in `chunks` or `updates` (or older parts).
    package var boundary: UInt64

    /// Writes parts and the update log, then the flush mark. Returns the new parts.
    package func run() throws(StoreError) -> [PartReader] {
        var written: [PartReader] = []
        do throws(StoreError) {
            return try run(recordingInto: &written)
        } catch {
            // Parts of a failed flush are removed so a retry does not leave two copies behind.
            for part in written { try? log.fs.remove(part.url.path) }
            throw error
        }
    }

    private func run(recordingInto parts: inout [PartReader]) throws(StoreError) -> [PartReader] {
        var byDay: [Int32: [StoredEvent]] = [:]
        do throws(DecodeFailure) {
            for chunk in chunks {
                for i in 0..<chunk.count {
                    let e = try chunk.event(at: i)
                    byDay[e.day, default: []].append(e)
                }
            }
        } catch {
            throw StoreError(.memtableDamaged, "an event in memory could not be decoded (\(error.reason)); restart to reload it from the WAL")
        }
        // Every distinct id gets its uid, durably, before any part may refer to it.
        var seen = Set<String>()
        var newIds: [String] = []
        for day in byDay.keys.sorted() {
            for e in byDay[day]! where seen.insert(e.event.distinctId).inserted && log.userIds.uid(of: e.event.distinctId) == nil {
                newIds.append(e.event.distinctId)
            }
        }
        _ = try log.userIds.assign(newIds)
        let dir = log.partsDirectory
        do throws(FileError) { try log.fs.makeDirectories(dir) } catch { throw .io(error) }
        for day in byDay.keys.sorted() {
            let events = byDay[day]!
            let minSeq = events.map(\.seq).min()!, maxSeq = events.map(\.seq).max()!
            var written: PartReader? = nil
            for attempt in 0..<64 where written == nil {
                let name = PartFileName.make(projectId: log.id, day: day, minSeq: minSeq, maxSeq: maxSeq, attempt: attempt)
                do throws(PartError) {
                    written = try PartWriter(projectId: log.id, day: day).write(events, to: URL(fileURLWithPath: dir + "/" + name))
                } catch where error.code == .exists {
                    continue
                } catch {
                    throw StoreError(error)
                }
            }
            guard let part = written else { throw StoreError(.partNameExhausted, "no free part name in \(dir)") }
            parts.append(part)
        }
        do throws(FileError) {
            if !updates.isEmpty {
                var frames: [UInt8] = []
                for (kind, chunk) in updates {
                    let payload = WALPayload(kind: kind, receivedMs: chunk.receivedMs, records: (0..<chunk.count).map { chunk.record(at: $0) })
                    frames += payload.frame(firstSeq: chunk.firstSeq)
                }
                try ProfileUpdateLog.append(frames, directory: log.directory, fs: log.fs)
            }
            try FlushManifest.write(boundary, directory: log.directory, fs: log.fs)
        } catch {
            throw .io(error)
        }
        return parts
    }
}
