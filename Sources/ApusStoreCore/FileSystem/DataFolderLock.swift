// One process at a time on a data folder: `apus serve` and `apus import` hold an exclusive
// advisory lock on `<data>/apus.lock` while they run. The file holds the holder's pid so the
// refusal can say who. The kernel drops the lock when the process dies (kill -9 included),
// so a crash never leaves a folder locked.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a data folder, held until `release()` or the process ends.
package final class DataFolderLock: @unchecked Sendable {
    package let path: String
    private var fd: Int32

    /// Takes the lock of `directory` (creating the folder and the lock file if needed), or
    /// throws `folder_locked` naming the process that holds it.
    package init(directory: String, purpose: String) throws(StoreError) {
        do throws(FileError) { try POSIXFileSystem().makeDirectories(directory) } catch { throw .io(error) }
        path = directory + "/apus.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(FileError(operation: "open", path: path, errno: errno)) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            var holder = [UInt8](repeating: 0, count: 32)
            let n = holder.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
            close(fd)
            guard reason == EWOULDBLOCK else { throw .io(FileError(operation: "lock", path: path, errno: reason)) }
            let pid = n > 0 ? String(decoding: holder[..<n], as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "?" : "?"
            throw StoreError(.folderLocked, "the data folder \(directory) is in use by another apus process (pid \(pid)); stop it first, or send the events to that server's /import endpoint")
        }
        self.fd = fd
        let text = Array("\(getpid())\n\(purpose)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Releases the lock (also done when the object goes away).
    package func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
