// Reads an import file in chunks, inflating it on the way when it is gzip (recognised by its
// first two bytes, whatever the name says). Memory stays at one input and one output chunk
// however large the file is; several gzip members back to back (as `cat a.gz b.gz` makes)
// read as one stream.
//
// A plain (not gzip) regular file is mapped instead of read: its chunks are handed out in
// place, so the kernel does not copy every byte into a buffer first (that copy cost as much
// CPU as splitting the file into records), and each chunk's pages are let go once it has been
// handed out, so resident memory stays at a chunk. A file cut short by another process while
// it is mapped stops the command (SIGBUS), which leaves the folder as any crash does: whole
// parts only, and re-running the import adds nothing twice.

import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that cannot be imported as a whole: it cannot be read, or its gzip is damaged.
package struct ImportFileError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case unreadable = "file_unreadable"
        case invalidCompression = "invalid_compression"
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code.rawValue): \(message)" }
}

/// Streams the (inflated) bytes of one file.
package final class ImportFileReader {
    package let path: String
    /// The file's size on disk, for progress.
    package let fileBytes: Int
    /// Bytes of the file read so far (compressed bytes for gzip).
    package private(set) var fileBytesRead = 0
    package private(set) var isGzip = false

    private let fd: Int32
    private let chunkBytes: Int
    private var input: [UInt8]
    /// Inflated bytes (gzip only), reused for every chunk.
    private var output: [UInt8] = []
    private var inputStart = 0
    private var inputEnd = 0
    private var atEOF = false
    private var stream = z_stream()
    private var streamOpen = false
    private var streamEnded = false
    /// The whole file, when it is plain and mapped; `mappedAt` is how far it was handed out.
    private var mapped: UnsafeRawBufferPointer?
    private var mappedAt = 0

    package init(path: String, chunkBytes: Int = 4 << 20) throws(ImportFileError) {
        self.path = path
        self.chunkBytes = chunkBytes
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImportFileError(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        fileBytes = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        if st.st_mode & S_IFMT == S_IFREG, fileBytes >= 2,
           let m = mmap(nil, fileBytes, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED {
            let bytes = UnsafeRawBufferPointer(start: m, count: fileBytes)
            if bytes[0] == 0x1F && bytes[1] == 0x8B {
                munmap(m, fileBytes)
            } else {
                _ = madvise(m, fileBytes, MADV_SEQUENTIAL)
                mapped = bytes
                input = []
                return
            }
        }
        input = [UInt8](repeating: 0, count: chunkBytes)

        // Peek at the magic bytes.
        try fill()
        isGzip = inputEnd - inputStart >= 2 && input[inputStart] == 0x1F && input[inputStart + 1] == 0x8B
        if isGzip {
            guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ImportFileError(.invalidCompression, "could not start inflating \(path)")
            }
            streamOpen = true
            output = [UInt8](repeating: 0, count: chunkBytes)
        }
    }

    deinit {
        if let mapped { munmap(UnsafeMutableRawPointer(mutating: mapped.baseAddress), mapped.count) }
        if streamOpen { inflateEnd(&stream) }
        close(fd)
    }

    /// Reads more raw bytes into `input` when it is empty.
    private func fill() throws(ImportFileError) {
        guard inputStart == inputEnd, !atEOF else { return }
        let n = input.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunkBytes) }
        guard n >= 0 else {
            throw ImportFileError(.unreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        inputStart = 0
        inputEnd = n
        fileBytesRead += n
        if n == 0 { atEOF = true }
    }

    /// Calls `body` with the next chunk of the file's (inflated) bytes; returns false at the end.
    package func next(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(ImportFileError) -> Bool {
        if let mapped {
            guard mappedAt < mapped.count else { return false }
            let end = min(mapped.count, mappedAt + chunkBytes)
            body(UnsafeRawBufferPointer(rebasing: mapped[mappedAt..<end]).assumingMemoryBound(to: UInt8.self))
            // Pages wholly handed out leave this process (the page cache may keep them).
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let from = mappedAt / page * page, to = end == mapped.count ? end : end / page * page
            if to > from { _ = madvise(UnsafeMutableRawPointer(mutating: mapped.baseAddress! + from), to - from, MADV_DONTNEED) }
            fileBytesRead += end - mappedAt
            mappedAt = end
            return true
        }
        if !isGzip {
            try fill()
            guard inputStart < inputEnd else { return false }
            input.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[inputStart..<inputEnd])) }
            inputStart = inputEnd
            return true
        }
        while true {
            if streamEnded { return false }
            try fill()
            if inputStart == inputEnd && atEOF {
                throw ImportFileError(.invalidCompression, "\(path) ends in the middle of its gzip stream; the file is incomplete")
            }
            var produced = 0
            var rc: Int32 = Z_OK
            input.withUnsafeMutableBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = inBuf.baseAddress! + inputStart
                    stream.avail_in = UInt32(inputEnd - inputStart)
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    rc = inflate(&stream, Z_NO_FLUSH)
                    produced = outBuf.count - Int(stream.avail_out)
                    inputStart = inputEnd - Int(stream.avail_in)
                }
            }
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                // Another gzip member may follow.
                try fill()
                if inputStart < inputEnd && input[inputStart] == 0x1F {
                    guard inflateReset(&stream) == Z_OK else {
                        throw ImportFileError(.invalidCompression, "could not restart inflating \(path)")
                    }
                } else {
                    streamEnded = true
                }
            default:
                let detail = stream.msg.map { " (\(String(cString: $0)))" } ?? ""
                throw ImportFileError(.invalidCompression, "\(path) is not valid gzip data\(detail)")
            }
            if produced > 0 {
                output.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<produced])) }
                return true
            }
        }
    }
}
