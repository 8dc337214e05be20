// A file system that fails on purpose, for the store's disk-failure and crash simulations: it
// passes calls to the real (POSIX) file system under a temp folder, and, driven by a seeded
// generator, makes writes fail with ENOSPC (after writing a prefix or nothing), fsyncs fail with
// EIO, and `crash()` cut every file back to what was last fsynced plus a random prefix of the
// rest (a torn write). The same seed replays the same faults for the same calls.
//
// Not simulated: directory entries lost on a crash (renames and creations are treated as
// durable at once) and reordering of writes within the unsynced tail.

import ApusStoreCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A fault-injecting `FileSystem` over the real one.
package final class FaultyFileSystem: FileSystem {
    /// How often each fault happens, per call (0 = never, 1 = always).
    package struct Faults: Sendable {
        package var writeFailure = 0.0
        package var syncFailure = 0.0
        package var truncateFailure = 0.0
        /// Whether a failing write first writes a random prefix of its bytes.
        package var partialWrites = true

        package init(writeFailure: Double = 0, syncFailure: Double = 0, truncateFailure: Double = 0, partialWrites: Bool = true) {
            self.writeFailure = writeFailure
            self.syncFailure = syncFailure
            self.truncateFailure = truncateFailure
            self.partialWrites = partialWrites
        }
    }

    private struct State {
        var random: SeededRandom
        var faults: Faults
        /// Per written path: the length known durable (after the last successful fsync).
        var syncedLength: [String: Int] = [:]
        /// Every fault injected, in order (printed by tests on failure).
        var log: [String] = []
        var failDirectorySyncsOf: String? = nil
    }

    private let base = POSIXFileSystem()
    private let state: Mutex<State>
    package let seed: UInt64

    package init(seed: UInt64, faults: Faults = Faults()) {
        self.seed = seed
        state = Mutex(State(random: SeededRandom(seed: seed), faults: faults))
    }

    /// Makes every fsync of the directory `path` fail (EIO) from now on; nil stops doing so.
    package func failDirectorySyncs(of path: String?) { state.withLock { $0.failDirectorySyncsOf = path } }

    /// Changes the fault rates from now on (e.g. off while checking what survived).
    package func setFaults(_ faults: Faults) { state.withLock { $0.faults = faults } }

    /// The faults injected so far.
    package var injected: [String] { state.withLock { $0.log } }

    /// Simulates a power loss: every file written through this file system loses what was not
    /// fsynced, except a random prefix of it (a torn write).
    package func crash() {
        state.withLock { s in
            for (path, synced) in s.syncedLength.sorted(by: { $0.key < $1.key }) {
                guard let file = try? POSIXFileSystem().openForWriting(path, mode: .append), let size = try? file.size(), size > synced else { continue }
                let keep = synced + Int(s.random.next() % UInt64(size - synced + 1))
                try? file.truncate(to: keep)
                s.log.append("crash: \(path) cut from \(size) to \(keep) bytes (\(synced) synced)")
                s.syncedLength[path] = keep
            }
        }
    }

    fileprivate func roll(_ rate: (Faults) -> Double, _ what: @autoclosure () -> String) -> Bool {
        state.withLock { s in
            let r = rate(s.faults)
            guard r > 0, Double(s.random.next() % 1_000_000) / 1_000_000 < r else { return false }
            s.log.append(what())
            return true
        }
    }

    fileprivate func prefixLength(of count: Int) -> Int {
        state.withLock { s in s.faults.partialWrites && count > 0 ? Int(s.random.next() % UInt64(count)) : 0 }
    }

    fileprivate func synced(_ path: String, length: Int) {
        state.withLock { $0.syncedLength[path] = length }
    }

    fileprivate func truncated(_ path: String, to length: Int) {
        state.withLock { s in s.syncedLength[path] = min(s.syncedLength[path] ?? 0, length) }
    }

    fileprivate func track(_ path: String, length: Int) {
        state.withLock { s in if s.syncedLength[path] == nil { s.syncedLength[path] = length } }
    }

    // MARK: FileSystem

    package func openForWriting(_ path: String, mode: WriteMode) throws(FileError) -> any WritableFile {
        let file = try base.openForWriting(path, mode: mode)
        // A file that existed before is durable up to its current size; a new or truncated one
        // is durable at zero.
        if mode == .createOrTruncate { synced(path, length: 0) } else { track(path, length: try file.size()) }
        return FaultyWritableFile(file: file, fs: self)
    }

    package func openForReading(_ path: String) throws(FileError) -> any ReadableFile { try base.openForReading(path) }
    package func syncDirectory(_ path: String) throws(FileError) {
        if state.withLock({ $0.failDirectorySyncsOf == path }) || roll({ $0.syncFailure }, "fsync dir \(path): EIO") {
            throw FileError(operation: "fsync dir", path: path, errno: EIO)
        }
        try base.syncDirectory(path)
    }
    package func makeDirectories(_ path: String) throws(FileError) { try base.makeDirectories(path) }
    package func list(_ path: String) -> [String] { base.list(path) }
    package func remove(_ path: String) throws(FileError) {
        try base.remove(path)
        state.withLock { _ = $0.syncedLength.removeValue(forKey: path) }
    }
    package func rename(_ from: String, _ to: String) throws(FileError) {
        try base.rename(from, to)
        state.withLock { s in s.syncedLength[to] = s.syncedLength.removeValue(forKey: from) }
    }
    package func exists(_ path: String) -> Bool { base.exists(path) }
}

/// A written file whose calls may fail.
private final class FaultyWritableFile: WritableFile, @unchecked Sendable {
    let file: any WritableFile
    let fs: FaultyFileSystem
    var path: String { file.path }

    init(file: any WritableFile, fs: FaultyFileSystem) {
        self.file = file
        self.fs = fs
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if fs.roll({ $0.writeFailure }, "write \(path) (\(bytes.count) bytes): ENOSPC") {
            let n = fs.prefixLength(of: bytes.count)
            if n > 0 { try file.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n])) }
            throw FileError(operation: "write", path: path, errno: ENOSPC)
        }
        try file.write(bytes)
    }

    func sync() throws(FileError) {
        if fs.roll({ $0.syncFailure }, "fsync \(path): EIO") { throw FileError(operation: "fsync", path: path, errno: EIO) }
        try file.sync()
        fs.synced(path, length: try file.size())
    }

    func truncate(to length: Int) throws(FileError) {
        if fs.roll({ $0.truncateFailure }, "truncate \(path) to \(length): EIO") { throw FileError(operation: "truncate", path: path, errno: EIO) }
        try file.truncate(to: length)
        fs.truncated(path, to: length)
    }

    func size() throws(FileError) -> Int { try file.size() }
}
