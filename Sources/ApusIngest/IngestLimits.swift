// Every limit the ingest path enforces, in one documented value passed once (STYLE habit 3).
// Defaults follow Mixpanel's documented limits (spec §1.2, §1.3.4, §1.4).

/// Limits on ingestion requests and records. Over a limit is a coded error, never a crash.
package struct IngestLimits: Sendable, Equatable {
    /// Largest payload, in bytes after gzip/deflate inflation (`payload_too_large` above it).
    package var requestBytesMax: Int
    /// Most records in one request (`too_many_records` above it).
    package var batchRecordsMax: Int
    /// Largest JSON text of a single record, in bytes (`record_too_large` above it).
    package var recordBytesMax: Int
    /// Most properties on one event (`too_many_properties` above it).
    package var propertiesMax: Int
    /// Most keys in one profile operation's object (e.g. `$set`).
    package var profileOperationKeysMax: Int
    /// Longer string values are truncated to this many UTF-8 bytes, at a character boundary.
    package var stringBytesMax: Int
    /// Deepest nesting of objects and arrays the JSON parser accepts.
    package var jsonDepthMax: Int

    /// Creates limits; every argument defaults to Mixpanel's documented value.
    package init(
        requestBytesMax: Int = 10 * 1024 * 1024,
        batchRecordsMax: Int = 2000,
        recordBytesMax: Int = 1024 * 1024,
        propertiesMax: Int = 255,
        profileOperationKeysMax: Int = 2000,
        stringBytesMax: Int = 255,
        jsonDepthMax: Int = 64
    ) {
        self.requestBytesMax = requestBytesMax
        self.batchRecordsMax = batchRecordsMax
        self.recordBytesMax = recordBytesMax
        self.propertiesMax = propertiesMax
        self.profileOperationKeysMax = profileOperationKeysMax
        self.stringBytesMax = stringBytesMax
        self.jsonDepthMax = jsonDepthMax
    }

    /// Mixpanel's documented limits.
    package static let standard = IngestLimits()
}
