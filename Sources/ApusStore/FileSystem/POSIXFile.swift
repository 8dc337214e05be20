// Thin wrappers over the POSIX calls durability depends on (write, fsync, rename, directory
// fsync). Foundation's FileHandle hides whether data reached the disk; these do not.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure with the path and the operating system's reason.
package struct FileError: Error, Sendable, CustomStringConvertible {
    package var operation: String
    package var path: String
    package var errno: Int32

    package var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// An open file descriptor owned by one writer.
package final class POSIXFile: @unchecked Sendable {
    package let path: String
    package let fd: Int32

    /// Opens `path` with `flags` (e.g. `O_RDWR | O_CREAT`).
    package init(path: String, flags: Int32, mode: mode_t = 0o644) throws(FileError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes all of `bytes` at the current offset, retrying short writes.
    package func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "write", path: path, errno: errno)
            }
            done += n
        }
    }

    package func writeAll(_ bytes: [UInt8]) throws(FileError) {
        let r: Result<Void, FileError> = bytes.withUnsafeBytes { buf in
            do throws(FileError) { try writeAll(buf); return .success(()) } catch { return .failure(error) }
        }
        try r.get()
    }

    /// Forces written data to stable storage.
    package func sync() throws(FileError) {
        if fdatasync(fd) != 0 { throw FileError(operation: "fsync", path: path, errno: errno) }
    }

    /// Cuts the file to `length` bytes.
    package func truncate(to length: Int) throws(FileError) {
        if ftruncate(fd, off_t(length)) != 0 { throw FileError(operation: "truncate", path: path, errno: errno) }
    }

    /// Moves the write offset to the end; returns the size.
    @discardableResult
    package func seekToEnd() throws(FileError) -> Int {
        let off = lseek(fd, 0, SEEK_END)
        if off < 0 { throw FileError(operation: "seek", path: path, errno: errno) }
        return Int(off)
    }
}

/// File-system operations on paths.
package enum FileSystem {
    /// The whole content of a file.
    package static func readAll(_ path: String) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(operation: "stat", path: path, errno: errno) }
        let size = Int(st.st_size)
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        if done < size { out.removeLast(size - done) }
        return out
    }

    /// Fsyncs a directory so that entries created, renamed or removed in it are durable.
    package static func syncDirectory(_ path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(operation: "open dir", path: path, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw FileError(operation: "fsync dir", path: path, errno: errno) }
    }

    /// Creates a directory and its parents (like `mkdir -p`).
    package static func makeDirectories(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileError(operation: "mkdir", path: current, errno: errno)
            }
        }
    }

    /// The names in a directory (not `.` or `..`), sorted; empty when it does not exist.
    package static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a file.
    package static func remove(_ path: String) throws(FileError) {
        if unlink(path) != 0 && errno != ENOENT { throw FileError(operation: "unlink", path: path, errno: errno) }
    }

    /// Renames atomically.
    package static func rename(_ from: String, _ to: String) throws(FileError) {
        if Glibc.rename(from, to) != 0 { throw FileError(operation: "rename", path: from, errno: errno) }
    }

    /// Whether a path exists.
    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
