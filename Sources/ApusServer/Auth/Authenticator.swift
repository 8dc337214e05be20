// Who is asking, and for which project. Tokens only ever write (ingestion); reads need a
// service account with a role in the project, or the project's legacy API secret.

import ApusModel
import ApusCatalog
import ApusStore

/// An authenticated caller bound to one project.
package struct Principal: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case serviceAccount(username: String, role: Role)
        case projectSecret
        case projectToken
    }
    package var project: ProjectID
    package var kind: Kind
}

/// Resolves credentials against the catalog.
package struct Authenticator: Sendable {
    package var catalog: Catalog

    /// `/import` (spec §1.3.1): service account (Owner/Admin) with `project_id`; otherwise the
    /// Basic username is tried as the project secret, then as the project token, each with an
    /// empty password. The Python SDK's legacy path also sends `api_key` in the form body,
    /// which needs no extra handling.
    package func authenticateImport(authorization: String?, projectID: String?) -> Result<Principal, AuthError> {
        guard let creds = BasicCredentials(header: authorization) else {
            return .failure(.missingCredentials)
        }
        if let projectID {
            return serviceAccount(creds, projectID: projectID, minimum: .admin)
        }
        if creds.password.isEmpty, let id = catalog.projectID(forSecret: creds.username) {
            return .success(Principal(project: id, kind: .projectSecret))
        }
        if creds.password.isEmpty, let id = catalog.projectID(forToken: creds.username) {
            return .success(Principal(project: id, kind: .projectToken))
        }
        return .failure(serviceAccountWithoutProject(creds) ? .projectRequired : .invalidCredentials)
    }

    /// Reads (export, later queries): a service account with at least `minimum` in the project,
    /// or the legacy project secret. A project token is refused: it is public.
    package func authenticateRead(authorization: String?, projectID: String?, minimum: Role) -> Result<Principal, AuthError> {
        guard let creds = BasicCredentials(header: authorization) else {
            return .failure(.missingCredentials)
        }
        if let projectID {
            return serviceAccount(creds, projectID: projectID, minimum: minimum)
        }
        if creds.password.isEmpty, let id = catalog.projectID(forSecret: creds.username) {
            return .success(Principal(project: id, kind: .projectSecret))
        }
        if creds.password.isEmpty, catalog.projectID(forToken: creds.username) != nil {
            return .failure(.tokenCannotRead)
        }
        return .failure(serviceAccountWithoutProject(creds) ? .projectRequired : .invalidCredentials)
    }

    /// True when the credentials are a valid service account (which must name its project).
    private func serviceAccountWithoutProject(_ creds: BasicCredentials) -> Bool {
        catalog.authenticate(username: creds.username, secret: creds.password) != nil
    }

    private func serviceAccount(_ creds: BasicCredentials, projectID: String, minimum: Role) -> Result<Principal, AuthError> {
        guard let id = DecimalText.integer(projectID) else { return .failure(.invalidProjectID(projectID)) }
        guard let account = catalog.authenticate(username: creds.username, secret: creds.password) else {
            return .failure(.invalidCredentials)
        }
        guard let role = account.roles[id] else { return .failure(.notAMember(id)) }
        guard role >= minimum else { return .failure(.roleTooLow(have: role, need: minimum)) }
        return .success(Principal(project: id, kind: .serviceAccount(username: account.username, role: role)))
    }
}

/// Why a caller was refused.
package struct AuthError: Error, Sendable, Equatable {
    /// What kind of refusal; `Errors/AuthError+HTTP.swift` maps it to a status.
    package enum Kind: Sendable, Equatable {
        /// Missing or wrong credentials.
        case unauthenticated
        /// Right credentials without the right.
        case forbidden
        /// The request itself is incomplete or malformed (e.g. no `project_id`).
        case badRequest
    }

    package var code: String
    package var message: String
    package var kind: Kind

    package static let missingCredentials = AuthError(
        code: "missing_credentials",
        message: "this endpoint needs HTTP Basic authentication: a service account (username:secret) with ?project_id=, or the project secret as username",
        kind: .unauthenticated)
    package static let invalidCredentials = AuthError(
        code: "invalid_credentials", message: "Invalid credentials: check the service account username and secret", kind: .unauthenticated)
    package static let tokenCannotRead = AuthError(
        code: "token_cannot_read",
        message: "a project token can only send data; reading needs a service account with ?project_id=",
        kind: .unauthenticated)
    package static let projectRequired = AuthError(
        code: "project_id_required", message: "service account requests must name the project with ?project_id=", kind: .badRequest)

    package static func invalidProjectID(_ text: String) -> AuthError {
        AuthError(code: "invalid_project_id", message: "project_id must be a whole number (digits only), got '\(text)'", kind: .badRequest)
    }

    package static func notAMember(_ id: ProjectID) -> AuthError {
        AuthError(code: "not_a_member", message: "this service account has no role in project \(id)", kind: .forbidden)
    }

    package static func roleTooLow(have: Role, need: Role) -> AuthError {
        AuthError(code: "insufficient_role",
                  message: "this service account is \(have.rawValue) in the project; this needs \(need.rawValue) or higher",
                  kind: .forbidden)
    }
}
