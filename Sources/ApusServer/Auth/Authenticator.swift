// Who is asking, and for which project. Tokens only ever write (ingestion); reads need a
// service account with a role in the project, or the project's legacy API secret.

import ApusModel
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
    /// Basic username is tried as the project secret, then as the project token. The Python
    /// SDK's legacy path also sends `api_key` in the form body, which needs no extra handling.
    package func authenticateImport(authorization: String?, projectID: String?) -> Result<Principal, AuthError> {
        guard let creds = BasicCredentials(header: authorization) else {
            return .failure(.missingCredentials)
        }
        if let projectID {
            return serviceAccount(creds, projectID: projectID, minimum: .admin)
        }
        if let id = catalog.projectID(forSecret: creds.username) {
            return .success(Principal(project: id, kind: .projectSecret))
        }
        if let id = catalog.projectID(forToken: creds.username) {
            return .success(Principal(project: id, kind: .projectToken))
        }
        return .failure(.invalidCredentials)
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
        if catalog.authenticate(username: creds.username, secret: creds.password) != nil {
            return .failure(.projectRequired)
        }
        return .failure(.invalidCredentials)
    }

    private func serviceAccount(_ creds: BasicCredentials, projectID: String, minimum: Role) -> Result<Principal, AuthError> {
        guard let id = ProjectID(projectID) else { return .failure(.invalidProjectID(projectID)) }
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
    package var code: String
    package var message: String
    /// 401 for missing or wrong credentials, 403 for right credentials without the right.
    package var isForbidden: Bool

    package static let missingCredentials = AuthError(
        code: "missing_credentials",
        message: "this endpoint needs HTTP Basic authentication: a service account (username:secret) with ?project_id=, or the project secret as username",
        isForbidden: false)
    package static let invalidCredentials = AuthError(
        code: "invalid_credentials", message: "Invalid credentials: check the service account username and secret", isForbidden: false)
    package static let tokenCannotRead = AuthError(
        code: "token_cannot_read",
        message: "a project token can only send data; reading needs a service account with ?project_id=",
        isForbidden: false)
    package static let projectRequired = AuthError(
        code: "project_id_required", message: "service account requests must name the project with ?project_id=", isForbidden: false)

    package static func invalidProjectID(_ text: String) -> AuthError {
        AuthError(code: "invalid_project_id", message: "project_id must be a number, got '\(text)'", isForbidden: false)
    }

    package static func notAMember(_ id: ProjectID) -> AuthError {
        AuthError(code: "not_a_member", message: "this service account has no role in project \(id)", isForbidden: true)
    }

    package static func roleTooLow(have: Role, need: Role) -> AuthError {
        AuthError(code: "insufficient_role",
                  message: "this service account is \(have.rawValue) in the project; this needs \(need.rawValue) or higher",
                  isForbidden: true)
    }
}
