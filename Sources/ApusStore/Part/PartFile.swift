// The only code in the part layer that touches the file system. Writes are atomic and durable:
// the bytes go to `<name>.tmp`, which is fsynced, renamed over nothing (an existing part is never
// replaced) and made durable by fsyncing the directory. A crash leaves either no part or a
// complete one, plus perhaps a stray `.tmp` that is never read as a part and may be deleted.
// Callers serialise writers of one directory (the store does one flush or merge per day at once).

import ApusStoreCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic, durable writes and whole-file reads of part files.
package enum PartFile {
    /// Writes `bytes` to `url` atomically. Throws `.exists` if `url` already exists.
    package static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(PartError) {
        let path = url.path
        let temporary = path + PartFormat.temporarySuffix
        let directory = url.deletingLastPathComponent().path
        func failure(_ what: String, _ code: PartError.Code = .io) -> PartError {
            let reason = String(cString: strerror(errno))
            return PartError(code, file: path, "\(what) failed: \(reason); check that the data directory exists, is writable and has free space")
        }
        if access(path, F_OK) == 0 {
            throw PartError(.exists, file: path, "a part with this name already exists; parts are immutable, pick another name")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("creating \(temporary)") }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return true
        }
        guard ok else { let e = failure("writing \(temporary)"); close(fd); unlink(temporary); throw e }
        guard fsync(fd) == 0 else { let e = failure("fsync of \(temporary)"); close(fd); unlink(temporary); throw e }
        guard close(fd) == 0 else { let e = failure("closing \(temporary)"); unlink(temporary); throw e }
        guard rename(temporary, path) == 0 else { let e = failure("renaming \(temporary)"); unlink(temporary); throw e }
        try syncDirectory(directory, file: path)
    }

    /// Makes a rename or unlink in `directory` durable.
    package static func syncDirectory(_ directory: String, file: String) throws(PartError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw PartError(.io, file: file, "opening directory \(directory) to sync failed: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw PartError(.io, file: file, "fsync of directory \(directory) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the whole file at `url`.
    package static func read(_ url: URL) throws(PartError) -> [UInt8] {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw PartError(.io, file: path, "opening failed: \(String(cString: strerror(errno))); check the path and permissions")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw PartError(.io, file: path, "stat failed: \(String(cString: strerror(errno)))")
        }
        let size = Int(info.st_size)
        guard size <= PartFormat.fileBytesMax else {
            throw PartError(.limitExceeded, file: path, "the file has \(size) bytes, above the \(PartFormat.fileBytesMax)-byte limit of a part")
        }
        var failed: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = systemRead(fd, buffer.baseAddress! + done, size - done)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { failed = n < 0 ? errno : 0; break }
                done += n
            }
            initialized = done
        }
        guard failed == 0 else {
            throw PartError(.io, file: path, "reading failed: \(String(cString: strerror(failed)))")
        }
        return bytes
    }
}

/// `read(2)`, named apart from `PartFile.read`.
@inline(__always)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, buffer, count)
    #else
    Darwin.read(fd, buffer, count)
    #endif
}
