// The one error of the report engines: a stable code and a message that says what to change.
// Which HTTP status a code gets is decided in ApusServer/Errors/ only.

import ApusStoreCore

/// A report request that cannot be answered as asked, or a read that failed.
package struct ReportError: Error, Sendable, Equatable {
    package enum Code: String, Sendable, Equatable {
        /// A required parameter is absent.
        case missingParameter = "missing_parameter"
        /// A parameter's value is malformed or out of range.
        case invalidParameter = "invalid_parameter"
        /// `from_date` after `to_date`, or a range longer than allowed.
        case invalidDateRange = "invalid_date_range"
        /// A `where` or `on` expression that does not parse or type-check.
        case invalidExpression = "invalid_expression"
        /// More time buckets, segments or cells than a report may hold.
        case tooLarge = "result_too_large"
        /// The query ran past its time limit.
        case timedOut = "query_timeout"
        /// The store could not be read.
        case storeFailed = "store_failed"
    }

    package var code: Code
    package var message: String
    /// The store's error, when a read failed.
    package var cause: StoreError?

    package init(_ code: Code, _ message: String, cause: StoreError? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    package static func == (a: ReportError, b: ReportError) -> Bool {
        a.code == b.code && a.message == b.message
    }
}
