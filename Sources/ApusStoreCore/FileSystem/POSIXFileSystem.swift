// The product's file system: thin wrappers over the POSIX calls durability depends on. Foundation's
// FileHandle hides whether data reached the disk; these do not.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files and folders through POSIX calls.
package struct POSIXFileSystem: FileSystem {
    package init() {}

    package func openForWriting(_ path: String, mode: WriteMode) throws(FileError) -> any WritableFile {
        let flags: Int32 = switch mode {
        case .createNew: O_WRONLY | O_CREAT | O_EXCL | O_APPEND
        case .createOrTruncate: O_WRONLY | O_CREAT | O_TRUNC
        case .append: O_WRONLY | O_APPEND
        case .appendOrCreate: O_WRONLY | O_CREAT | O_APPEND
        }
        return try POSIXWritableFile(path: path, flags: flags)
    }

    package func openForReading(_ path: String) throws(FileError) -> any ReadableFile {
        try POSIXReadableFile(path: path)
    }

    package func syncDirectory(_ path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(operation: "open dir", path: path, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw FileError(operation: "fsync dir", path: path, errno: errno) }
    }

    package func makeDirectories(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileError(operation: "mkdir", path: current, errno: errno)
            }
        }
    }

    package func list(_ path: String) -> [String] {
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

    package func remove(_ path: String) throws(FileError) {
        if unlink(path) != 0 && errno != ENOENT { throw FileError(operation: "unlink", path: path, errno: errno) }
    }

    package func rename(_ from: String, _ to: String) throws(FileError) {
        #if canImport(Glibc)
        let r = Glibc.rename(from, to)
        #else
        let r = Darwin.rename(from, to)
        #endif
        if r != 0 { throw FileError(operation: "rename", path: from, errno: errno) }
    }

    package func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}

/// An open file descriptor owned by one writer.
final class POSIXWritableFile: WritableFile {
    let path: String
    let fd: Int32

    init(path: String, flags: Int32, mode: mode_t = 0o644) throws(FileError) {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var done = 0
        while done < bytes.count {
            #if canImport(Glibc)
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            #else
            let n = Darwin.write(fd, bytes.baseAddress! + done, bytes.count - done)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "write", path: path, errno: errno)
            }
            done += n
        }
    }

    func sync() throws(FileError) {
        #if canImport(Glibc)
        let r = fdatasync(fd)
        #else
        let r = fsync(fd)
        #endif
        if r != 0 { throw FileError(operation: "fsync", path: path, errno: errno) }
    }

    func truncate(to length: Int) throws(FileError) {
        if ftruncate(fd, off_t(length)) != 0 { throw FileError(operation: "truncate", path: path, errno: errno) }
        // Files not opened O_APPEND write at the offset: keep it at the new end.
        if lseek(fd, off_t(length), SEEK_SET) < 0 { throw FileError(operation: "seek", path: path, errno: errno) }
    }

    func size() throws(FileError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(operation: "stat", path: path, errno: errno) }
        return Int(st.st_size)
    }
}

/// An open file descriptor for positioned reads.
final class POSIXReadableFile: ReadableFile {
    let path: String
    let fd: Int32
    let size: Int

    init(path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(operation: "open", path: path, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw FileError(operation: "stat", path: path, errno: e)
        }
        self.path = path
        self.fd = fd
        self.size = Int(st.st_size)
    }

    deinit { close(fd) }

    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(FileError) {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { throw FileError(operation: "read", path: path, errno: ENODATA) }
            done += n
        }
    }
}
