// The one seam under everything the store writes and reads on disk (WAL, flush mark, user ids,
// update log, parts): the POSIX implementation serves the product, a fault-injecting one in
// ApusTesting serves the crash and disk-failure simulations. Durability depends on exactly
// these calls (write, fsync, rename, directory fsync), so the seam names them and no more.

/// How a file is opened for writing.
package enum WriteMode: Sendable {
    /// Create it; fail with `EEXIST` when it exists (never truncates another writer's file).
    case createNew
    /// Create it or cut it to zero bytes.
    case createOrTruncate
    /// An existing file, writes at its end.
    case append
    /// Create it when missing, writes at its end.
    case appendOrCreate
}

/// A file open for writing, owned by one writer.
package protocol WritableFile: AnyObject, Sendable {
    var path: String { get }
    /// Writes all of `bytes` at the end of what this handle wrote (the file's end in append
    /// modes), retrying short writes.
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileError)
    /// Forces written data to stable storage.
    func sync() throws(FileError)
    /// Cuts the file to `length` bytes; the next write goes to the new end.
    func truncate(to length: Int) throws(FileError)
    /// The file's size in bytes.
    func size() throws(FileError) -> Int
}

extension WritableFile {
    package func write(_ bytes: [UInt8]) throws(FileError) {
        let r: Result<Void, FileError> = bytes.withUnsafeBytes { buf in
            do throws(FileError) { try write(buf); return .success(()) } catch { return .failure(error) }
        }
        try r.get()
    }
}

/// A file open for reading at any offset.
package protocol ReadableFile: AnyObject, Sendable {
    var path: String { get }
    /// The size when opened.
    var size: Int { get }
    /// Fills `buffer` from `offset`; a file shorter than that is an error (`EIO`… from the
    /// system, or `ENODATA` when the end came first).
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(FileError)
}

/// Files and folders, as the store needs them.
package protocol FileSystem: Sendable {
    func openForWriting(_ path: String, mode: WriteMode) throws(FileError) -> any WritableFile
    func openForReading(_ path: String) throws(FileError) -> any ReadableFile
    /// Fsyncs a directory so that entries created, renamed or removed in it are durable.
    func syncDirectory(_ path: String) throws(FileError)
    /// Creates a directory and its parents (like `mkdir -p`).
    func makeDirectories(_ path: String) throws(FileError)
    /// The names in a directory (not `.` or `..`), sorted; empty when it does not exist.
    func list(_ path: String) -> [String]
    /// Removes a file; a missing file is not an error.
    func remove(_ path: String) throws(FileError)
    /// Renames atomically, replacing `to`.
    func rename(_ from: String, _ to: String) throws(FileError)
    func exists(_ path: String) -> Bool
}

extension FileSystem {
    /// The whole content of a file.
    package func readAll(_ path: String) throws(FileError) -> [UInt8] {
        let file = try openForReading(path)
        var out = [UInt8](repeating: 0, count: file.size)
        if file.size == 0 { return out }
        let r: Result<Void, FileError> = out.withUnsafeMutableBytes { buf in
            do throws(FileError) { try file.read(at: 0, into: buf); return .success(()) } catch { return .failure(error) }
        }
        try r.get()
        return out
    }

    /// Writes `bytes` to `path` so that afterwards the file holds either its old content or all
    /// of `bytes`, durably: a temporary file, fsync, rename over, directory fsync.
    package func replaceAtomically(_ path: String, with bytes: [UInt8]) throws(FileError) {
        let tmp = path + ".tmp"
        let file = try openForWriting(tmp, mode: .createOrTruncate)
        try file.write(bytes)
        try file.sync()
        try rename(tmp, path)
        try syncDirectory(parentDirectory(of: path))
    }
}

/// The folder part of a path (`.` for a bare name).
package func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
