// The decoder's output: records as JSON values plus everything the route needs to answer.

import ApusModel

/// A decoded ingestion request: the records, the flags and the other form fields.
package struct DecodedPayload: Sendable {
    /// Flags from the query string and form body (body wins).
    package var flags: IngestFlags
    /// The records: each element of a top-level array, or the single top-level object, in order.
    /// Elements are not checked here; validation reports non-objects per record.
    package var records: [JSONValue]
    /// The size in bytes of each record's JSON text, parallel to `records`.
    package var recordByteCounts: [Int]
    /// Every other query and form field (e.g. `api_key`, `project_id`, `test`); body wins.
    package var formFields: [String: String]
    /// Size of the payload after inflation: the body, or the query string when the data came from it.
    package var uncompressedBytes: Int

    /// Creates a payload.
    package init(
        flags: IngestFlags, records: [JSONValue], recordByteCounts: [Int],
        formFields: [String: String], uncompressedBytes: Int
    ) {
        self.flags = flags
        self.records = records
        self.recordByteCounts = recordByteCounts
        self.formFields = formFields
        self.uncompressedBytes = uncompressedBytes
    }
}
