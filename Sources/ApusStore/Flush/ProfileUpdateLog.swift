// Where /engage and /groups updates go when the WAL that held them is trimmed: an append-only
// file of WAL frames (same bytes, same checksums), in arrival order: the durable history the
// profile tables are rebuilt from at open (`ProfileTables`). Frames at or past the flush mark after a crash are cut off on
// open: the WAL still holds them and will flush them again.

import ApusStoreCore
import Logging

/// `projects/<id>/profile-updates.log`.
package enum ProfileUpdateLog {
    package static func path(_ directory: String) -> String { directory + "/profile-updates.log" }

    /// Cuts frames with sequence numbers at or past `flushedThrough` (an unfinished flush).
    /// Returns the frames kept, in order; only those `keepRecords` says yes to (by kind and
    /// first sequence number) carry their records.
    @discardableResult
    package static func recover(directory: String, flushedThrough: UInt64, fs: any FileSystem, logger: Logger,
                                keepRecords: (WALRecordKind, UInt64) -> Bool = { _, _ in true }) throws(StoreError) -> [WALFrame] {
        let p = path(directory)
        guard fs.exists(p) else { return [] }
        let bytes: [UInt8]
        do throws(FileError) { bytes = try fs.readAll(p) } catch { throw .io(error) }
        let scan = WALScanner.scan(bytes, keepRecords: { kind, seq in seq < flushedThrough && keepRecords(kind, seq) })
        if scan.stopReason != nil, let seq = completeFrameSeq(bytes, at: scan.validLength), seq < flushedThrough {
            // A whole frame below the mark fails its checks: that is damage to the only copy
            // of acknowledged updates, not an interrupted append. Refuse rather than cut.
            throw StoreError(.profileLogDamaged,
                             "\(p) is damaged at byte \(scan.validLength) (\(scan.stopReason!)); run `apus verify` and restore it from a backup")
        }
        do throws(FileError) {
            var keep = scan.validLength
            if let firstLate = scan.frames.first(where: { $0.firstSeq >= flushedThrough }) { keep = firstLate.offset }
            if keep < WALSegmentHeader.magic.count { keep = 0 }
            if keep < bytes.count {
                let file = try fs.openForWriting(p, mode: .append)
                try file.truncate(to: keep)
                try file.sync()
                logger.info("profile update log cut back to the flush mark", metadata: ["path": "\(p)", "droppedBytes": "\(bytes.count - keep)"])
            }
            return scan.frames.filter { $0.offset < keep }
        } catch {
            throw .io(error)
        }
    }

    /// The sequence number of the frame at `offset` when the whole frame is in the file.
    static func completeFrameSeq(_ bytes: [UInt8], at offset: Int) -> UInt64? {
        guard offset >= WALSegmentHeader.magic.count, offset + 8 <= bytes.count else { return nil }
        let length = bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        let seqAt = offset + 8 + length
        guard length <= WALScanner.framePayloadBytesMax, seqAt + 8 <= bytes.count else { return nil }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: seqAt, as: UInt64.self)) }
    }

    /// Appends frames and fsyncs; returns the file's length before them. A failed append is
    /// cut off again (a half frame would hide every frame appended after it).
    @discardableResult
    package static func append(_ frames: [UInt8], directory: String, fs: any FileSystem) throws(FileError) -> Int {
        let p = path(directory)
        let file = try fs.openForWriting(p, mode: .appendOrCreate)
        let before = try file.size()
        do throws(FileError) {
            if before == 0 {
                try file.write(WALSegmentHeader.magic)
                try fs.syncDirectory(directory)
            }
            try file.write(frames)
            try file.sync()
        } catch {
            try? file.truncate(to: before)
            try? file.sync()
            throw error
        }
        return before
    }

    /// Appends `frames` (if any), then moves the flush mark to `mark`. When the mark does not
    /// land, the frames are taken out again: the retry appends them anew, and two copies would be
    /// applied twice after a restart.
    package static func appendThenMark(_ frames: [UInt8], mark: UInt64, directory: String, fs: any FileSystem) throws(FileError) {
        let appendedFrom = frames.isEmpty ? nil : try append(frames, directory: directory, fs: fs)
        do throws(FileError) {
            try FlushManifest.write(mark, directory: directory, fs: fs)
        } catch {
            if let from = appendedFrom, !FlushManifest.landed(mark, directory: directory, fs: fs),
               let file = try? fs.openForWriting(path(directory), mode: .append) {
                try? file.truncate(to: from)
                try? file.sync()
            }
            throw error
        }
    }
}

