// A project's durable, append-only dictionary from distinct id to a dense UInt32 user id (uid).
// Parts store uids; per-user report state lives in arrays indexed by uid; identity merge will be
// a uid → canonical-uid array over the same numbers. A uid, once durable, never changes.
//
// Crash safety: new ids are appended and fsynced before anything durable may refer to their
// uids (a part, the flush mark). So a torn last frame after a crash held only uids nobody
// refers to, and recovery cuts it off. Any other damage refuses to open: the ids cannot be
// rebuilt from anywhere else.

import ApusStoreCore
import Logging
import Synchronization

/// The user-id dictionary of one project (`projects/<id>/user-ids`).
package final class UserIdDictionary: Sendable {
    package let path: String
    private let fs: any FileSystem
    private let state: Mutex<State>

    private struct State: @unchecked Sendable {
        var table: UserIdTable
        /// Open for appends after the first assignment; nil before.
        var file: (any WritableFile)?
        /// Bytes of the file that hold the header and whole frames.
        var fileBytes: Int
        /// Uids below this are durable.
        var durableCount: Int
        /// Set when a failed append could not be undone: nothing more is written.
        var failed = false
    }

    package static func path(projectDirectory: String) -> String { projectDirectory + "/user-ids" }

    /// Opens the dictionary in `projectDirectory` (creating nothing until the first assignment),
    /// cutting a torn last frame and refusing any other damage.
    package init(projectDirectory: String, fs: any FileSystem, logger: Logger) throws(StoreError) {
        let path = Self.path(projectDirectory: projectDirectory)
        self.path = path
        self.fs = fs
        guard fs.exists(path) else {
            state = Mutex(State(table: UserIdTable(), file: nil, fileBytes: 0, durableCount: 0))
            return
        }
        let bytes: [UInt8]
        do throws(FileError) { bytes = try fs.readAll(path) } catch { throw .io(error) }
        let scan = UserIdFile.scan(bytes)
        var length = scan.validLength
        if let reason = scan.stopReason {
            guard scan.tornTail else {
                throw StoreError(.userIdsDamaged, "\(path) is damaged (\(reason)); run `apus verify` and restore the data folder from a backup")
            }
            do throws(FileError) {
                let file = try fs.openForWriting(path, mode: .append)
                if length < UserIdFile.magic.count {
                    try file.truncate(to: 0)
                    try file.write(UserIdFile.magic)
                    length = UserIdFile.magic.count
                } else {
                    try file.truncate(to: length)
                }
                try file.sync()
            } catch {
                throw .io(error)
            }
            logger.warning("user-id dictionary: torn last append removed", metadata: [
                "path": "\(path)", "droppedBytes": "\(bytes.count - scan.validLength)", "reason": "\(reason)",
            ])
        }
        state = Mutex(State(table: scan.table, file: nil, fileBytes: length, durableCount: scan.table.count))
    }

    /// The number of uids assigned, durable or provisional (uids are `0..<count`).
    package var count: Int { state.withLock { $0.table.count } }

    /// A copy of the table as it is now (shares storage until the next assignment).
    package var snapshot: UserIdTable { state.withLock { $0.table } }

    /// The distinct id of `uid` (which must have been assigned).
    package func distinctId(of uid: UInt32) -> String {
        state.withLock { $0.table.distinctId(of: uid) }
    }

    /// The uid of `id`, if it has one.
    package func uid(of id: some StringProtocol) -> UInt32? {
        state.withLock { $0.table.uid(of: id) }
    }

    /// The uid of every id in `ids` (in order), numbering ids not seen before. New uids are
    /// provisional until `persist()`: they hold in this process, and nothing durable may refer to
    /// them before it (after a crash the WAL replay numbers them again).
    package func uids(for ids: [String]) throws(StoreError) -> [UInt32] {
        // The ids' bytes back to back, so that any id's lie still while others are looked up.
        var arena: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(ids.count)
        for id in ids {
            arena.append(contentsOf: id.utf8)
            ends.append(arena.count)
        }
        let result: Result<[UInt32], StoreError> = arena.withUnsafeBytes { all in
            Result { () throws(StoreError) in
                try uids(count: ids.count) { i in UnsafeRawBufferPointer(rebasing: all[(i == 0 ? 0 : ends[i - 1])..<ends[i]]) }
            }
        }
        return try result.get()
    }

    /// As `uids(for:)`, for `count` ids given as UTF-8 bytes: `bytes(i)` is id `i`'s (no
    /// `String` per id).
    package func uids(count: Int, bytes: (Int) -> UnsafeRawBufferPointer) throws(StoreError) -> [UInt32] {
        let result: Result<[UInt32], StoreError> = state.withLock { s in
            let before = s.table.count
            var uids: [UInt32] = []
            uids.reserveCapacity(count)
            // Lookups land anywhere in a large index: each id's slot is asked into the cache
            // `ahead` ids before it is read, then where its entry ends, then the entry's bytes.
            let ahead = 12
            var hashes = [UInt64](repeating: 0, count: count)
            for i in 0..<min(ahead, count) {
                hashes[i] = s.table.hash(bytes(i))
                s.table.prefetchSlot(hash: hashes[i])
            }
            for i in 0..<count {
                if i + ahead < count {
                    hashes[i + ahead] = s.table.hash(bytes(i + ahead))
                    s.table.prefetchSlot(hash: hashes[i + ahead])
                }
                if i + 8 < count { s.table.prefetchEntry(hash: hashes[i + 8], stage: 1) }
                if i + 4 < count { s.table.prefetchEntry(hash: hashes[i + 4], stage: 2) }
                switch Self.uid(of: bytes(i), hash: hashes[i], in: &s.table) {
                case .success(let uid): uids.append(uid)
                case .failure(let e):
                    s.table.truncate(to: before)
                    return .failure(e)
                }
            }
            return .success(uids)
        }
        return try result.get()
    }

    /// The uid of an id, given its hash; a new id gets the next one.
    private static func uid(of bytes: UnsafeRawBufferPointer, hash: UInt64, in table: inout UserIdTable) -> Result<UInt32, StoreError> {
        if let uid = table.uid(ofBytes: bytes, hash: hash) { return .success(uid) }
        guard bytes.count <= UserIdFile.idBytesMax else {
            return .failure(StoreError(.distinctIdTooLong, "a distinct id of \(bytes.count) bytes is longer than the dictionary's \(UserIdFile.idBytesMax)"))
        }
        guard table.count < Int(UInt32.max) else {
            return .failure(StoreError(.userIdsExhausted, "the project has \(table.count) distinct ids, the most a 32-bit user id can number"))
        }
        return .success(table.append(bytes, hash: hash))
    }

    /// Makes every provisional uid durable (append, fsync). On failure they stay provisional
    /// and the next call retries them.
    package func persist() throws(StoreError) {
        let path = self.path, fs = self.fs
        let result: Result<Void, StoreError> = state.withLock { s in
            if s.failed {
                return .failure(StoreError(.unavailable, "the user-id dictionary \(path) could not be written and was not repaired; restart the server"))
            }
            guard s.durableCount < s.table.count else { return .success(()) }
            do throws(FileError) {
                try Self.persist(&s, from: s.durableCount, path: path, fs: fs)
                s.durableCount = s.table.count
                return .success(())
            } catch {
                return .failure(.io(error))
            }
        }
        try result.get()
    }

    /// The uid of every id in `ids`, numbering new ones durably: `uids(for:)` then `persist()`.
    package func assign(_ ids: [String]) throws(StoreError) -> [UInt32] {
        let uids = try uids(for: ids)
        try persist()
        return uids
    }

    /// The number of uids that are durable (the rest are provisional).
    package var durableCount: Int { state.withLock { $0.durableCount } }

    /// Appends frames for uids `from..<count` and fsyncs; on failure cuts the file back.
    private static func persist(_ s: inout State, from: Int, path: String, fs: any FileSystem) throws(FileError) {
        if s.file == nil {
            if s.fileBytes == 0 {
                let file = try fs.openForWriting(path, mode: .createOrTruncate)
                try file.write(UserIdFile.magic)
                try file.sync()
                try fs.syncDirectory(parentDirectory(of: path))
                s.fileBytes = UserIdFile.magic.count
                s.file = file
            } else {
                s.file = try fs.openForWriting(path, mode: .append)
            }
        }
        let file = s.file!
        var frames: [UInt8] = []
        var batch: [ArraySlice<UInt8>] = []
        var batchBytes = 0
        var first = from
        for uid in from..<s.table.count {
            let id = s.table.bytes(of: UInt32(uid))
            if batchBytes + id.count + 5 > UserIdFile.framePayloadBytesMax && !batch.isEmpty {
                frames += UserIdFile.frame(firstUid: UInt32(first), ids: batch)
                first = uid
                batch = []
                batchBytes = 0
            }
            batch.append(id)
            batchBytes += id.count + 5
        }
        frames += UserIdFile.frame(firstUid: UInt32(first), ids: batch)
        do throws(FileError) {
            try file.write(frames)
            try file.sync()
            s.fileBytes += frames.count
        } catch {
            do throws(FileError) {
                try file.truncate(to: s.fileBytes)
                try file.sync()
            } catch {
                s.failed = true
            }
            throw error
        }
    }
}
