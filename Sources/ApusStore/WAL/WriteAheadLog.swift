// A project's write-ahead log: a folder of segments named by the first sequence number they
// may hold. Only the commit thread writes it. Recovery reads every segment, cuts a torn tail
// off the last one and refuses to start on damage anywhere else (that is not a crash artefact).

import Logging

/// The write-ahead log of one project.
package final class WriteAheadLog: @unchecked Sendable {
    package let directory: String
    private var current: POSIXFile
    private(set) package var currentFirstSeq: UInt64
    private(set) package var currentBytes: Int
    /// Segments, oldest first, by first sequence number (the current one last).
    private(set) package var segmentFirstSeqs: [UInt64]

    package static func segmentName(_ firstSeq: UInt64) -> String {
        let digits = String(firstSeq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".wal"
    }

    private init(directory: String, current: POSIXFile, firstSeq: UInt64, bytes: Int, segments: [UInt64]) {
        self.directory = directory
        self.current = current
        self.currentFirstSeq = firstSeq
        self.currentBytes = bytes
        self.segmentFirstSeqs = segments
    }

    /// What recovery found.
    package struct Recovery {
        package var log: WriteAheadLog
        package var frames: [WALFrame]
        /// Bytes cut off a torn tail (0 when the log ended cleanly).
        package var droppedBytes: Int
        package var dropReason: String?
    }

    /// Opens the log in `directory`, replaying every segment. Creates the folder when new.
    package static func open(directory: String, logger: Logger) throws(StoreError) -> Recovery {
        do {
            try FileSystem.makeDirectories(directory)
            let names = FileSystem.list(directory).filter { $0.hasSuffix(".wal") }
            var seqs: [UInt64] = names.compactMap { UInt64($0.dropLast(4)) }.sorted()
            var frames: [WALFrame] = []
            var dropped = 0
            var dropReason: String? = nil
            for (i, seq) in seqs.enumerated() {
                let path = directory + "/" + segmentName(seq)
                let bytes = try FileSystem.readAll(path)
                let scan = WALScanner.scan(bytes)
                frames.append(contentsOf: scan.frames)
                if let reason = scan.stopReason, scan.validLength < bytes.count || bytes.isEmpty {
                    let isLast = i == seqs.count - 1
                    guard isLast else {
                        throw StoreError.walDamaged(path: path, reason: reason)
                    }
                    dropped = bytes.count - scan.validLength
                    dropReason = reason
                    let file = try POSIXFile(path: path, flags: O_WRONLY)
                    if scan.validLength < WALSegmentHeader.magic.count {
                        try file.truncate(to: 0)
                        try file.seekToEnd()
                        try file.writeAll(WALSegmentHeader.magic)
                    } else {
                        try file.truncate(to: scan.validLength)
                    }
                    try file.sync()
                    logger.warning("WAL torn tail removed", metadata: [
                        "segment": "\(path)", "droppedBytes": "\(dropped)", "reason": "\(reason)",
                    ])
                }
            }
            let nextSeq = frames.last.map { $0.firstSeq + UInt64($0.records.count) } ?? 1
            let log: WriteAheadLog
            if let last = seqs.last {
                let path = directory + "/" + segmentName(last)
                let file = try POSIXFile(path: path, flags: O_WRONLY | O_APPEND)
                let size = try file.seekToEnd()
                log = WriteAheadLog(directory: directory, current: file, firstSeq: last, bytes: size, segments: seqs)
            } else {
                let file = try createSegment(directory: directory, firstSeq: nextSeq)
                seqs = [nextSeq]
                log = WriteAheadLog(directory: directory, current: file, firstSeq: nextSeq,
                                    bytes: WALSegmentHeader.magic.count, segments: seqs)
            }
            return Recovery(log: log, frames: frames, droppedBytes: dropped, dropReason: dropReason)
        } catch let error as FileError {
            throw StoreError.io(error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(code: "io_error", message: "\(error)")
        }
    }

    private static func createSegment(directory: String, firstSeq: UInt64) throws(FileError) -> POSIXFile {
        let path = directory + "/" + segmentName(firstSeq)
        let file = try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        try file.writeAll(WALSegmentHeader.magic)
        try file.sync()
        try FileSystem.syncDirectory(directory)
        return file
    }

    /// Appends whole frames. On failure the segment is cut back to where it was, so that a
    /// half-written frame can never hide frames acknowledged after it.
    package func append(_ bytes: [UInt8]) throws(FileError) {
        do {
            try current.writeAll(bytes)
            currentBytes += bytes.count
        } catch {
            try current.truncate(to: currentBytes)
            throw error
        }
    }

    /// Makes everything appended so far durable.
    package func sync() throws(FileError) { try current.sync() }

    /// Starts a new segment whose records begin at `nextSeq`.
    package func rotate(nextSeq: UInt64) throws(FileError) {
        try current.sync()
        current = try Self.createSegment(directory: directory, firstSeq: nextSeq)
        currentFirstSeq = nextSeq
        currentBytes = WALSegmentHeader.magic.count
        segmentFirstSeqs.append(nextSeq)
    }

    /// Deletes every segment that holds only records below `seq` (never the current one).
    package func trim(below seq: UInt64) throws(FileError) {
        var kept: [UInt64] = []
        for (i, first) in segmentFirstSeqs.enumerated() {
            let nextFirst = i + 1 < segmentFirstSeqs.count ? segmentFirstSeqs[i + 1] : UInt64.max
            if first != currentFirstSeq && nextFirst <= seq {
                try FileSystem.remove(directory + "/" + Self.segmentName(first))
            } else {
                kept.append(first)
            }
        }
        if kept.count != segmentFirstSeqs.count { try FileSystem.syncDirectory(directory) }
        segmentFirstSeqs = kept
    }
}

#if canImport(Glibc)
import Glibc
#endif
