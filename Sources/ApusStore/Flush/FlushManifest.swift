// The project's flush mark: every event with a sequence number below it is in a durable part,
// so recovery replays only the WAL from there on, and parts holding rows at or past it are
// leftovers of a flush that did not finish (their rows are still in the WAL).
//
//   "APUSFLS1" | u64 flushedThrough | u32 CRC-32C of the previous 16 bytes
//
// Written to a temp file, fsynced, renamed over the old one, directory fsynced.

/// Reads and writes `projects/<id>/flushed`.
import ApusStoreCore
package enum FlushManifest {
    static let magic = Array("APUSFLS1".utf8)

    /// The flushed-through sequence number; 1 when nothing was ever flushed.
    package static func read(directory: String, fs: any FileSystem) throws(StoreError) -> UInt64 {
        let path = directory + "/flushed"
        guard fs.exists(path) else { return 1 }
        let bytes: [UInt8]
        do throws(FileError) { bytes = try fs.readAll(path) } catch { throw .io(error) }
        guard bytes.count == 20, Array(bytes[0..<8]) == magic,
              CRC32C.checksum(bytes, range: 0..<16) == bytes.withUnsafeBytes({ $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self).littleEndian })
        else {
            throw StoreError(.flushManifestDamaged, "\(path) is damaged; run `apus verify` and restore the data folder from a backup")
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian }
    }

    /// True when the mark on disk is at `seq` or past it (a write whose later step failed may
    /// still have landed; then the parts it covers are the only copy and must stay).
    package static func landed(_ seq: UInt64, directory: String, fs: any FileSystem) -> Bool {
        guard let mark = try? read(directory: directory, fs: fs) else { return false }
        return mark >= seq
    }

    package static func write(_ seq: UInt64, directory: String, fs: any FileSystem) throws(FileError) {
        var w = BinaryWriter(capacity: 20)
        w.raw(magic)
        w.u64(seq)
        w.u32(CRC32C.checksum(w.bytes))
        try fs.replaceAtomically(directory + "/flushed", with: w.bytes)
    }
}

