// A project's write-ahead log: a folder of segments named by the first sequence number they
// may hold. Only the commit thread writes it. Recovery reads every segment, cuts a torn tail
// off the last one and refuses to start on damage anywhere else (that is not a crash artefact).

import ApusStoreCore
import Logging

/// The write-ahead log of one project.
package final class WriteAheadLog: @unchecked Sendable {
    package let directory: String
    private let fs: any FileSystem
    private var current: any WritableFile
    private(set) package var currentFirstSeq: UInt64
    private(set) package var currentBytes: Int
    /// Segments, oldest first, by first sequence number (the current one last).
    private(set) package var segmentFirstSeqs: [UInt64]

    package static func segmentName(_ firstSeq: UInt64) -> String {
        let digits = String(firstSeq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".wal"
    }

    private init(directory: String, fs: any FileSystem, current: any WritableFile, firstSeq: UInt64, bytes: Int, segments: [UInt64]) {
        self.directory = directory
        self.fs = fs
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
    /// Segments that hold only records below `flushedThrough` (all in durable parts) are
    /// deleted unread, as the trim after a flush would have done.
    package static func open(directory: String, fs: any FileSystem, flushedThrough: UInt64 = 0, logger: Logger) throws(StoreError) -> Recovery {
        do {
            try fs.makeDirectories(directory)
            let names = fs.list(directory).filter { $0.hasSuffix(".wal") }
            let found: [UInt64] = names.compactMap { UInt64($0.dropLast(4)) }.sorted()
            var seqs: [UInt64] = []
            var frames: [WALFrame] = []
            var dropped = 0
            var dropReason: String? = nil
            var trimmed = 0
            for (i, seq) in found.enumerated() {
                let path = directory + "/" + segmentName(seq)
                if i + 1 < found.count && found[i + 1] <= flushedThrough {
                    try fs.remove(path)
                    trimmed += 1
                    continue
                }
                if trimmed > 0 && i == trimmed {
                    try fs.syncDirectory(directory)
                    logger.info("deleted WAL segments already in parts", metadata: ["segments": "\(trimmed)", "directory": "\(directory)"])
                }
                let bytes = try fs.readAll(path)
                let scan = WALScanner.scan(bytes)
                frames.append(contentsOf: scan.frames)
                if let reason = scan.stopReason, scan.validLength < bytes.count || bytes.isEmpty {
                    let isLast = i == found.count - 1
                    if !isLast && bytes.count <= WALSegmentHeader.magic.count && scan.frames.isEmpty {
                        // A segment whose creation was interrupted holds nothing: drop it.
                        try fs.remove(path)
                        logger.warning("removed an empty WAL segment", metadata: ["segment": "\(path)"])
                        continue
                    }
                    guard isLast else {
                        throw StoreError.walDamaged(path: path, reason: reason)
                    }
                    dropped = bytes.count - scan.validLength
                    dropReason = reason
                    let file = try fs.openForWriting(path, mode: .append)
                    if scan.validLength < WALSegmentHeader.magic.count {
                        try file.truncate(to: 0)
                        try file.write(WALSegmentHeader.magic)
                    } else {
                        try file.truncate(to: scan.validLength)
                    }
                    try file.sync()
                    logger.warning("WAL torn tail removed", metadata: [
                        "segment": "\(path)", "droppedBytes": "\(dropped)", "reason": "\(reason)",
                    ])
                }
                seqs.append(seq)
            }
            let nextSeq = frames.last.map { $0.firstSeq + UInt64($0.records.count) } ?? 1
            let log: WriteAheadLog
            if let last = seqs.last {
                let path = directory + "/" + segmentName(last)
                let file = try fs.openForWriting(path, mode: .append)
                let size = try file.size()
                log = WriteAheadLog(directory: directory, fs: fs, current: file, firstSeq: last, bytes: size, segments: seqs)
            } else {
                let file = try createSegment(directory: directory, firstSeq: nextSeq, fs: fs)
                seqs = [nextSeq]
                log = WriteAheadLog(directory: directory, fs: fs, current: file, firstSeq: nextSeq,
                                    bytes: WALSegmentHeader.magic.count, segments: seqs)
            }
            return Recovery(log: log, frames: frames, droppedBytes: dropped, dropReason: dropReason)
        } catch let error as FileError {
            throw StoreError.io(error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(error)", cause: error)
        }
    }

    /// Creates a new segment. O_EXCL: an existing segment is never truncated. A segment that
    /// could not be completed is removed again, so no empty file is left between segments.
    private static func createSegment(directory: String, firstSeq: UInt64, fs: any FileSystem) throws(FileError) -> any WritableFile {
        let path = directory + "/" + segmentName(firstSeq)
        let file = try fs.openForWriting(path, mode: .createNew)
        do throws(FileError) {
            try file.write(WALSegmentHeader.magic)
            try file.sync()
            try fs.syncDirectory(directory)
        } catch {
            try? fs.remove(path)
            throw error
        }
        return file
    }

    /// A failed append: `undone` when the segment was cut back to its last whole frame (the
    /// log is intact and may take more frames), `stuck` when even that failed.
    package enum AppendFailure: Error {
        case undone(FileError)
        case stuck(FileError)
    }

    /// Appends whole frames. On failure the segment is cut back to where it was, so that a
    /// half-written frame can never hide frames acknowledged after it.
    package func append(_ bytes: [UInt8]) throws(AppendFailure) {
        do throws(FileError) {
            try current.write(bytes)
            currentBytes += bytes.count
        } catch {
            do throws(FileError) { try current.truncate(to: currentBytes) } catch { throw .stuck(error) }
            throw .undone(error)
        }
    }

    /// Makes everything appended so far durable.
    package func sync() throws(FileError) { try current.sync() }

    /// Starts a new segment whose records begin at `nextSeq`.
    package func rotate(nextSeq: UInt64) throws(FileError) {
        // Nothing was written since the last rotation: the current segment already starts here.
        if nextSeq == currentFirstSeq { return }
        try current.sync()
        current = try Self.createSegment(directory: directory, firstSeq: nextSeq, fs: fs)
        currentFirstSeq = nextSeq
        currentBytes = WALSegmentHeader.magic.count
        segmentFirstSeqs.append(nextSeq)
    }

    /// Deletes every segment that holds only records below `seq` (never the current one).
    package func trim(below seq: UInt64) throws(FileError) {
        precondition(zip(segmentFirstSeqs, segmentFirstSeqs.dropFirst()).allSatisfy { $0 < $1 }, "segment list must be strictly increasing")
        var kept: [UInt64] = []
        for (i, first) in segmentFirstSeqs.enumerated() {
            let nextFirst = i + 1 < segmentFirstSeqs.count ? segmentFirstSeqs[i + 1] : UInt64.max
            if first != currentFirstSeq && nextFirst <= seq {
                try fs.remove(directory + "/" + Self.segmentName(first))
            } else {
                kept.append(first)
            }
        }
        if kept.count != segmentFirstSeqs.count { try fs.syncDirectory(directory) }
        segmentFirstSeqs = kept
    }
}

