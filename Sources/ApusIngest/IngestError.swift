// The one error type of ApusIngest. Codes are stable snake_case strings that clients and the
// server's error mapping (ApusServer/Errors/) can rely on; messages say what to change.
// No HTTP status codes here: `payload_too_large` becomes 413 in the server, not in this module.

import ApusModel

/// A request that cannot be ingested: a stable code, a message saying what to fix, and the
/// field at fault when there is one.
package struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, snake_case error code.
    package struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The code as sent to clients.
        package var rawValue: String
        /// Creates a code.
        package init(rawValue: String) { self.rawValue = rawValue }
        /// The code as sent to clients.
        package var description: String { rawValue }

        // Whole-request codes.
        /// The request carried no payload: no body and no `data` parameter.
        package static let noData = Code(rawValue: "no_data")
        /// The uncompressed payload is larger than `IngestLimits.requestBytesMax`.
        package static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// More records than `IngestLimits.batchRecordsMax`.
        package static let tooManyRecords = Code(rawValue: "too_many_records")
        /// The payload is not valid JSON.
        package static let invalidJSON = Code(rawValue: "invalid_json")
        /// The `data` value is neither JSON nor base64.
        package static let invalidBase64 = Code(rawValue: "invalid_base64")
        /// The JSON is valid but is not an object or an array of objects.
        package static let invalidPayload = Code(rawValue: "invalid_payload")
        /// The body claims gzip/deflate but does not inflate.
        package static let invalidCompression = Code(rawValue: "invalid_compression")
        /// A `Content-Encoding` other than gzip, deflate or identity.
        package static let unsupportedEncoding = Code(rawValue: "unsupported_encoding")

        // Per-record codes (used in `RecordFailure.code`).
        /// The record is not a JSON object.
        package static let recordNotObject = Code(rawValue: "record_not_object")
        /// The record's JSON text is larger than `IngestLimits.recordBytesMax`.
        package static let recordTooLarge = Code(rawValue: "record_too_large")
        /// A required field is absent.
        package static let missingField = Code(rawValue: "missing_field")
        /// A field has the wrong JSON type or an unusable value.
        package static let invalidField = Code(rawValue: "invalid_field")
        /// The project token is missing or unknown.
        package static let invalidToken = Code(rawValue: "invalid_token")
        /// The token names a different project than the request is authenticated for.
        package static let tokenProjectMismatch = Code(rawValue: "token_project_mismatch")
        /// `time` is missing on /import, or not a number of seconds or milliseconds.
        package static let invalidTime = Code(rawValue: "invalid_time")
        /// `time` is before 1971 or more than an hour in the future (/import).
        package static let timeOutOfRange = Code(rawValue: "time_out_of_range")
        /// `distinct_id` or `$insert_id` is a placeholder such as `undefined` (strict /import).
        package static let placeholderValue = Code(rawValue: "placeholder_value")
        /// `$insert_id` is longer than 36 bytes or has characters outside `[A-Za-z0-9-]` (strict).
        package static let invalidInsertId = Code(rawValue: "invalid_insert_id")
        /// More properties than `IngestLimits.propertiesMax`.
        package static let tooManyProperties = Code(rawValue: "too_many_properties")
        /// A profile update has no operation key.
        package static let missingOperation = Code(rawValue: "missing_operation")
        /// A profile update has more than one operation key.
        package static let multipleOperations = Code(rawValue: "multiple_operations")
        /// A profile operation this endpoint does not support (e.g. `$append` on /groups).
        package static let unsupportedOperation = Code(rawValue: "unsupported_operation")
    }

    /// The stable code.
    package var code: Code
    /// What is wrong and what to change.
    package var message: String
    /// The field at fault (e.g. `data`), when there is one.
    package var field: String?

    /// Creates an error.
    package init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `code: message`.
    package var description: String { "\(code.rawValue): \(message)" }
}
