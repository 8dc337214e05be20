// Catalog values: projects and service accounts as the rest of Apus sees them.

import ApusModel

/// A project: its id and public ingestion token.
package struct Project: Sendable, Equatable {
    package var id: ProjectID
    package var name: String
    /// Public; identifies the project on ingestion. Never authorises a read.
    package var token: String
    package var createdMs: Int64
    /// IANA timezone name; report dates and buckets are local to it.
    package var timezone: String = "UTC"
    /// How its identities merge; reports resolve users by it.
    package var identityMode: IdentityMode = .simplified
}

/// A service account (HTTP Basic user for /import, export and queries).
package struct ServiceAccount: Sendable, Equatable {
    package var id: Int64
    package var username: String
    package var createdMs: Int64
    /// Role per project.
    package var roles: [ProjectID: Role]
}

/// A secret shown once, at creation or rotation; only its hash is stored.
package struct IssuedSecret: Sendable {
    package var secret: String
}
