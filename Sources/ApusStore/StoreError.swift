// The store's one error type: a stable code, a message that says what to do, and the cause.

/// A failure of the event store or the catalog.
package struct StoreError: Error, Sendable, CustomStringConvertible {
    /// Stable, machine-readable code (snake_case).
    package var code: String
    /// What happened and what to do about it.
    package var message: String

    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code): \(message)" }

    package static func io(_ e: FileError) -> StoreError {
        StoreError(code: "io_error", message: "\(e). Check the data folder's permissions and free space.")
    }

    package static func walDamaged(path: String, reason: String) -> StoreError {
        StoreError(code: "wal_damaged",
                   message: "write-ahead log segment \(path) is damaged (\(reason)) and is not the last segment; run `apus verify` and restore it from a backup before starting")
    }

    package static let unavailable = StoreError(
        code: "store_unavailable",
        message: "the store could not write to disk and stopped accepting data; check the server log and disk, then restart")

    package static let overloaded = StoreError(
        code: "overloaded",
        message: "the server is taking in data faster than it can make it durable; retry after the time in Retry-After")

    package static func unknownProject(_ id: Int64) -> StoreError {
        StoreError(code: "unknown_project", message: "project \(id) does not exist")
    }
}
