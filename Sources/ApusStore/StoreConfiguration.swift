// Every knob of the embedded store, resolved once and passed in one value.

/// When an append is acknowledged.
import ApusModel
import ApusStoreCore
package enum Durability: String, Sendable, CaseIterable {
    /// After the group commit's fsync: an acknowledged event survives power loss.
    case durable
    /// After write(2), before fsync: survives a process crash, not an OS crash or power loss;
    /// the fsync follows within one commit round.
    case relaxed
}

/// Settings of the embedded event store.
package struct StoreConfiguration: Sendable {
    /// The data folder (`./data` by default).
    package var dataDirectory: String
    package var durability: Durability = .durable
    /// A memtable with this many events is flushed into parts.
    package var flushRowsMax = 1_000_000
    /// A memtable holding this many bytes is flushed into parts.
    package var flushBytesMax = 512 << 20
    /// Memtable rows are laid out as a columnar run once this many are not in one yet.
    package var memtableRunRowsMin = 2048
    /// A WAL segment past this size is closed and a new one started.
    package var walSegmentBytesMax = 128 << 20
    /// Decoded column chunks kept in memory for scans, across all projects.
    package var cacheBytesMax = 512 << 20
    /// Where files are read and written (the POSIX file system; tests inject faults here).
    package var fileSystem: any FileSystem = POSIXFileSystem()
    /// The store's only clock: when a failed flush may be retried (tests move it by hand).
    package var clock: any WallClock = SystemClock()
    /// After a failed flush, no new flush of that project starts for this long.
    package var flushRetryDelayMs: Int64 = 10_000

    package init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    package var projectsDirectory: String { dataDirectory + "/projects" }
    package func projectDirectory(_ id: Int64) -> String { projectsDirectory + "/\(id)" }
}
