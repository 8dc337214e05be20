// One rejected record, in the shape /import's strict response reports (spec §1.3.3
// `failed_records`): which record, which field, a stable code and what to fix.

/// Why one record of a batch was rejected.
package struct RecordFailure: Sendable, Equatable {
    /// The record's position in the request, from 0.
    package var index: Int
    /// The record's `$insert_id` when it had a string one.
    package var insertId: String?
    /// The field at fault as a path, e.g. `properties.time`, `$set`, or `record` for the whole record.
    package var field: String
    /// A stable snake_case code (`IngestError.Code` raw values).
    package var code: String
    /// What is wrong and what to change, naming the field.
    package var message: String

    /// Creates a failure.
    package init(index: Int, insertId: String? = nil, field: String, code: String, message: String) {
        self.index = index
        self.insertId = insertId
        self.field = field
        self.code = code
        self.message = message
    }

    init(index: Int, insertId: String? = nil, field: String, code: IngestError.Code, message: String) {
        self.init(index: index, insertId: insertId, field: field, code: code.rawValue, message: message)
    }
}
