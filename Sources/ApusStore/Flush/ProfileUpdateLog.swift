// Where /engage and /groups updates go when the WAL that held them is trimmed: an append-only
// file of WAL frames (same bytes, same checksums), in arrival order, until the profiles issue
// applies them to profile state. Frames at or past the flush mark after a crash are cut off on
// open: the WAL still holds them and will flush them again.

import Logging

/// `projects/<id>/profile-updates.log`.
package enum ProfileUpdateLog {
    package static func path(_ directory: String) -> String { directory + "/profile-updates.log" }

    /// Cuts frames with sequence numbers at or past `flushedThrough` (an unfinished flush).
    package static func recover(directory: String, flushedThrough: UInt64, logger: Logger) throws(StoreError) {
        let p = path(directory)
        guard FileSystem.exists(p) else { return }
        do throws(FileError) {
            let bytes = try FileSystem.readAll(p)
            let scan = WALScanner.scan(bytes)
            var keep = scan.validLength
            if let firstLate = scan.frames.first(where: { $0.firstSeq >= flushedThrough }) { keep = firstLate.offset }
            if keep < WALSegmentHeader.magic.count { keep = 0 }
            if keep < bytes.count {
                let file = try POSIXFile(path: p, flags: O_WRONLY)
                try file.truncate(to: keep)
                try file.sync()
                logger.info("profile update log cut back to the flush mark", metadata: ["path": "\(p)", "droppedBytes": "\(bytes.count - keep)"])
            }
        } catch {
            throw .io(error)
        }
    }

    /// Appends frames and fsyncs.
    package static func append(_ frames: [UInt8], directory: String) throws(FileError) {
        let p = path(directory)
        let file = try POSIXFile(path: p, flags: O_WRONLY | O_CREAT | O_APPEND)
        if try file.seekToEnd() == 0 {
            try file.writeAll(WALSegmentHeader.magic)
            try FileSystem.syncDirectory(directory)
        }
        try file.writeAll(frames)
        try file.sync()
    }
}

#if canImport(Glibc)
import Glibc
#endif
