// Which project a record belongs to: its token, or the request's authentication (/import with
// a service account). Shared by event and profile validation; caches the last token because a
// batch almost always carries one token throughout.

import ApusModel

/// Resolves records' tokens to projects for one batch.
struct ProjectResolver {
    /// Why a token was refused.
    struct Failure: Error {
        var code: IngestError.Code
        var message: String
    }

    let authenticatedProject: ProjectID?
    let resolveToken: @Sendable (String) -> ProjectID?
    let resolveMode: @Sendable (ProjectID) -> IdentityMode?
    private var lastToken: String?
    private var lastProject: ProjectID?
    private var lastModeProject: ProjectID?
    private var lastMode: IdentityMode? = nil

    init(_ context: EventValidationContext) {
        authenticatedProject = context.authenticatedProject
        resolveToken = context.resolveToken
        resolveMode = context.identityMode
    }

    /// How `project`'s identities merge (asked once per batch and project in a row).
    mutating func identityMode(of project: ProjectID) -> IdentityMode? {
        if project != lastModeProject {
            lastMode = resolveMode(project)
            lastModeProject = project
        }
        return lastMode
    }

    /// The project for a record whose token (at `field`) is `tokenValue`.
    ///
    /// With an authenticated project the token is optional; one naming a *different* known
    /// project is refused, an unknown one is ignored (data imported from Mixpanel carries
    /// Mixpanel's tokens, which mean nothing here).
    mutating func resolve(_ tokenValue: JSONValue?, field: String) -> Result<ProjectID, Failure> {
        let token: String? = if case .string(let s)? = tokenValue, !s.isEmpty { s } else { nil }
        if let authenticatedProject {
            if let token, let other = lookUp(token), other != authenticatedProject {
                return .failure(Failure(
                    code: .tokenProjectMismatch,
                    message: "'\(field)' belongs to another project than the one this request is authenticated for; "
                        + "remove it or send the records to that project"))
            }
            return .success(authenticatedProject)
        }
        guard let token else {
            let problem = tokenValue == nil ? "is missing" : "must be a non-empty string"
            return .failure(Failure(
                code: .invalidToken, message: "'\(field)' \(problem): send your project token in each record"))
        }
        guard let project = lookUp(token) else {
            return .failure(Failure(
                code: .invalidToken,
                message: "'\(field)' is not the token of any project; check the token in your SDK setup"))
        }
        return .success(project)
    }

    private mutating func lookUp(_ token: String) -> ProjectID? {
        if token == lastToken { return lastProject }
        let project = resolveToken(token)
        lastToken = token
        lastProject = project
        return project
    }
}
