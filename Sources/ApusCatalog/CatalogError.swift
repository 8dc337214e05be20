// The catalog's one error type: a stable code, a message that says what to do, and the cause.

/// A failure of the catalog (projects, service accounts).
package struct CatalogError: Error, Sendable, CustomStringConvertible {
    /// Stable, machine-readable codes; the raw value is what users and logs see.
    package enum Code: String, Sendable {
        case catalogUnavailable = "catalog_unavailable"
        case catalogError = "catalog_error"
        case projectExists = "project_exists"
        case tokenInUse = "token_in_use"
        case unknownProject = "unknown_project"
        case invalidUsername = "invalid_username"
        case accountExists = "account_exists"
        case unknownAccount = "unknown_account"
        case invalidTimezone = "invalid_timezone"
    }

    package var code: Code
    /// What happened and what to do about it.
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code.rawValue): \(message)" }

    package static func unknownProject(_ id: Int64) -> CatalogError {
        CatalogError(.unknownProject, "project \(id) does not exist")
    }
}
