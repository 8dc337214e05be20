// The store's one error type: a stable code, a message that says what to do, and the cause.
// HTTP statuses for it are chosen only in ApusServer/Errors/.

/// A failure of an event store.
package struct StoreError: Error, Sendable, CustomStringConvertible {
    /// Stable, machine-readable codes; the raw value is what users, logs and `apus verify` see.
    package enum Code: String, Sendable, CaseIterable {
        /// Reading, writing or syncing a file failed (permissions, free space, hardware).
        case io = "io_error"
        /// A write-ahead log segment other than the last is damaged.
        case walDamaged = "wal_damaged"
        /// The flush mark file is damaged.
        case flushManifestDamaged = "flush_manifest_damaged"
        /// The durable log of applied profile updates is damaged.
        case profileLogDamaged = "profile_log_damaged"
        /// The project's user-id dictionary is damaged.
        case userIdsDamaged = "user_ids_damaged"
        /// A distinct id is longer than the user-id dictionary stores (ingestion refuses such ids first).
        case distinctIdTooLong = "distinct_id_too_long"
        /// The project has more distinct ids than a 32-bit user id can number.
        case userIdsExhausted = "user_ids_exhausted"
        /// An event held in memory no longer decodes (a bug; restart reloads it from the WAL).
        case memtableDamaged = "memtable_damaged"
        /// A part file is damaged or unreadable; the cause says which and where.
        case partDamaged = "part_damaged"
        /// A part was written in a format version this build does not read.
        case partFormatUnsupported = "part_format_unsupported"
        /// A part could not be written; the cause says why.
        case partWriteFailed = "part_write_failed"
        /// No free name for a new part (should never happen).
        case partNameExhausted = "part_name_exhausted"
        /// The store is shutting down and takes no more writes.
        case storeClosing = "store_closing"
        /// The server is shutting down.
        case shuttingDown = "shutting_down"
        /// A write failed and could not be undone: the store stopped accepting data.
        case unavailable = "store_unavailable"
        /// Data arrives faster than it can be made durable.
        case overloaded = "overloaded"
        /// The project has no storage.
        case unknownProject = "unknown_project"
        /// Another process holds the data folder (a running server, or an import).
        case folderLocked = "folder_locked"
        /// An event record handed to the store is not in the record layout (a bug in its writer).
        case invalidRecord = "invalid_record"
    }

    package var code: Code
    /// What happened and what to do about it.
    package var message: String
    /// The lower-level failure this one reports, when there is one.
    package var cause: (any Error)?

    package init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    package var description: String { "\(code.rawValue): \(message)" }

    package static func io(_ e: FileError) -> StoreError {
        StoreError(.io, "\(e). Check the data folder's permissions and free space.", cause: e)
    }

    package static func walDamaged(path: String, reason: String) -> StoreError {
        StoreError(.walDamaged,
                   "write-ahead log segment \(path) is damaged (\(reason)) and is not the last segment; run `apus verify` and restore it from a backup before starting")
    }

    package static let unavailable = StoreError(
        .unavailable, "the store could not write to disk and stopped accepting data; check the server log and disk, then restart")

    package static let overloaded = StoreError(
        .overloaded, "the server is taking in data faster than it can make it durable; retry after the time in Retry-After")

    package static func unknownProject(_ id: Int64) -> StoreError {
        StoreError(.unknownProject, "project \(id) does not exist")
    }
}
