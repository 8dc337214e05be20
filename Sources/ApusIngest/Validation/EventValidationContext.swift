// Everything validation needs, resolved once per request (STYLE habit 8): the endpoint and
// mode, the clock reading, how to map tokens to projects, limits, and the request's IP.
// Profile validation (/engage, /groups) takes the same context.

import ApusModel

/// The request-wide inputs of event and profile validation.
package struct EventValidationContext: Sendable {
    /// The route the records arrived on.
    package var endpoint: IngestEndpoint
    /// The request's `strict` flag. Strict rules (spec §1.3.4) apply on /import only.
    package var strict: Bool
    /// Receive time, ms since the Unix epoch (from an injected clock).
    package var nowMs: Int64
    /// The project the request authenticated for (/import with a service account or token
    /// in the `Authorization` header); nil when each record's token decides.
    package var authenticatedProject: ProjectID?
    /// Maps a project token to its project; nil for an unknown token.
    package var resolveToken: @Sendable (String) -> ProjectID?
    /// Limits on records, properties and strings.
    package var limits: IngestLimits
    /// The client's IP address as the server saw it.
    package var requestIP: String?
    /// The `ip` flag: geolocate events that carry no `ip` property from `requestIP`.
    package var useRequestIP: Bool
    /// Seed for generated `$insert_id`s; nil seeds from the system's random source per batch.
    package var insertIdSeed: UInt64?
    /// Geolocation for events; nil (the default) adds no location.
    package var geoLocator: (any GeoLocator)?
    /// How a project's identities merge: under Simplified ID merge an event's distinct id is
    /// its `$user_id`, else `$device:` + its `$device_id` (spec §1.6.1).
    /// Nil when the mode cannot be told now: then no distinct id is rewritten.
    package var identityMode: @Sendable (ProjectID) -> IdentityMode?

    /// Creates a context.
    package init(
        endpoint: IngestEndpoint,
        strict: Bool = false,
        nowMs: Int64,
        authenticatedProject: ProjectID? = nil,
        resolveToken: @escaping @Sendable (String) -> ProjectID?,
        limits: IngestLimits = .standard,
        requestIP: String? = nil,
        useRequestIP: Bool = false,
        insertIdSeed: UInt64? = nil,
        geoLocator: (any GeoLocator)? = nil,
        identityMode: @escaping @Sendable (ProjectID) -> IdentityMode? = { _ in .simplified }
    ) {
        self.endpoint = endpoint
        self.strict = strict
        self.nowMs = nowMs
        self.authenticatedProject = authenticatedProject
        self.resolveToken = resolveToken
        self.limits = limits
        self.requestIP = requestIP
        self.useRequestIP = useRequestIP
        self.insertIdSeed = insertIdSeed
        self.geoLocator = geoLocator
        self.identityMode = identityMode
    }

    /// True when the strict rules of spec §1.3.4 apply: /import with `strict=1`.
    var appliesStrictRules: Bool { strict && endpoint == .importEvents }
}
