// Opening a project after any stop, clean or not:
//   1. read the flush mark (every seq below it is in parts);
//   2. open the parts; remove `.tmp` leftovers and parts holding rows at or past the mark
//      (written by a flush that did not finish: their rows are still in the WAL);
//   3. cut the profile update log back to the mark for the same reason;
//   4. read the profile checkpoint and apply the update log past it to the profile tables
//      and the identity graph;
//   5. replay the WAL from the mark into the memtable and the profile tables (cutting a torn
//      tail).

import ApusStoreCore
import ApusModel
import Foundation
import Logging

package enum ProjectRecovery {
    package struct Recovered {
        package var wal: WriteAheadLog
        package var userIds: UserIdDictionary
        package var state: ProjectState
    }

    package static func recover(project: ProjectID, directory: String, fs: any FileSystem, cache: BlockCache, logger: Logger) throws(StoreError) -> Recovered {
        let flushedThrough = try FlushManifest.read(directory: directory, fs: fs)
        let partsDir = directory + "/parts"
        var state = ProjectState()
        for name in fs.list(partsDir) {
            let path = partsDir + "/" + name
            if PartFileName.isTemporary(name) {
                try? fs.remove(path)
                continue
            }
            guard PartFileName.isPart(name) else { continue }
            let part = try BlockPart(path: path, fs: fs, cache: cache)
            if part.maxSeq >= flushedThrough {
                logger.info("removing part of an unfinished flush (its rows are replayed from the WAL)", metadata: ["part": "\(path)"])
                try? fs.remove(path)
                continue
            }
            state.parts.append(part)
        }
        try? fs.syncDirectory(partsDir)
        // Profiles and identity facts: the last checkpoint (decoded on another core while the
        // user ids load), then the updates and facts the log holds past it, then (below)
        // those still in the WAL.
        let checkpointDecode = BackgroundValue(ProfileCheckpoint.readBytes(directory: directory, fs: fs)) { ProfileCheckpoint.decode($0) }

        // A new project's folders must survive a power loss too: fsync each parent.
        do throws(FileError) {
            try fs.makeDirectories(directory + "/wal")
            try fs.syncDirectory(directory)
            try fs.syncDirectory(parentDirectory(of: directory))
        } catch {
            throw .io(error)
        }
        let userIds = try UserIdDictionary(projectDirectory: directory, fs: fs, logger: logger)
        // Flushes make uids durable before writing parts: a part past the dictionary means the
        // dictionary lost durable entries (damage a torn-tail cut cannot tell apart).
        if let part = state.parts.first(where: { Int($0.maxUid) >= userIds.durableCount }) {
            throw StoreError(.userIdsDamaged, "\(part.path) refers to uid \(part.maxUid) but \(userIds.path) holds \(userIds.durableCount) ids; run `apus verify` and restore the data folder from a backup")
        }
        var checkpointedThrough: UInt64 = 0
        if let checkpoint = checkpointDecode.value(), checkpoint.throughSeq <= flushedThrough {
            state.profiles = checkpoint.profiles
            state.identity = checkpoint.identity
            state.checkpointed = (checkpoint.profiles.appliedCount, checkpoint.identity.linkCount)
            checkpointedThrough = checkpoint.throughSeq
        }
        // Only the log's frames the checkpoint does not hold are read out (and every deletion).
        let allLoggedFrames = try ProfileUpdateLog.recover(
            directory: directory, flushedThrough: flushedThrough, fs: fs, logger: logger,
            keepRecords: { [checkpointedThrough] kind, seq in kind == .deletions || seq >= checkpointedThrough })
        // (New profiles take uids, so the log is applied once the dictionary is open.)
        // In sequence order. Deletions: every one ever logged is known (the checkpoint does not
        // list them); only those past the checkpoint still remove profiles.
        for frame in allLoggedFrames {
            if frame.kind == .deletions {
                for (j, record) in frame.records.enumerated() {
                    state.applyDeletion(record, seq: frame.firstSeq + UInt64(j), userIds: userIds, profiles: frame.firstSeq >= checkpointedThrough)
                }
            } else if frame.firstSeq >= checkpointedThrough {
                state.profiles.apply(frame, userIds: userIds)
                state.identity.apply(frame)
            }
        }
        let logged = state.identity.links
        // Every fact so far came from the checkpoint (facts below its flush boundary, all
        // logged) or the log itself; the WAL's events below add facts not logged yet.
        state.loggedLinkCount = state.identity.ordered.count
        let recovery = try WriteAheadLog.open(directory: directory + "/wal", fs: fs, flushedThrough: flushedThrough, logger: logger)
        var nextSeq = max(recovery.log.currentFirstSeq, flushedThrough)
        var replayed = 0
        for frame in recovery.frames {
            nextSeq = max(nextSeq, frame.firstSeq + UInt64(frame.records.count))
            guard frame.firstSeq >= flushedThrough else { continue }
            let chunk = MemtableChunk(firstSeq: frame.firstSeq, receivedMs: frame.receivedMs, records: frame.records)
            if frame.kind == .events {
                state.memtable.append(chunk)
                for link in chunk.identityLinks() { state.identity.apply(link) }
            } else {
                state.updateChunks.append((frame.kind, chunk))
                state.profiles.apply(frame, userIds: userIds)
                if frame.kind == .deletions {
                    for (j, record) in frame.records.enumerated() {
                        state.applyDeletion(record, seq: frame.firstSeq + UInt64(j), userIds: userIds, profiles: true)
                    }
                }
            }
            replayed += frame.records.count
        }
        state.nextSeq = nextSeq
        userIds.number(logged)
        for frame in recovery.frames where frame.kind == .events && frame.firstSeq >= flushedThrough {
            userIds.number(MemtableChunk(firstSeq: frame.firstSeq, receivedMs: frame.receivedMs, records: frame.records).identityLinks())
        }
        if replayed > 0 || recovery.droppedBytes > 0 {
            logger.info("project log recovered", metadata: [
                "project": "\(project)", "parts": "\(state.parts.count)", "replayedRecords": "\(replayed)",
                "droppedBytes": "\(recovery.droppedBytes)",
            ])
        }
        return Recovered(wal: recovery.log, userIds: userIds, state: state)
    }
}

/// A value worked out on another thread from input read on this one (so file reads stay in
/// this thread's order, which a fault-injecting file system replays).
final class BackgroundValue<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    private var output: Output?
    private let done = DispatchSemaphore(value: 0)

    init(_ input: Input?, _ work: @escaping @Sendable (Input) -> Output?) {
        guard let input else {
            done.signal()
            return
        }
        DispatchQueue.global().async { [self] in
            output = work(input)
            done.signal()
        }
    }

    /// Waits for the value (nil when there was no input or the work gave none).
    func value() -> Output? {
        done.wait()
        done.signal()
        return output
    }
}
