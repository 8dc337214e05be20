// The four ingestion routes. The decoder treats them alike; validation differs per endpoint.

/// An ingestion route.
package enum IngestEndpoint: String, Sendable, Equatable, CaseIterable {
    /// `/track`: anonymous events, token in each event's properties.
    case track
    /// `/engage`: user profile updates.
    case engage
    /// `/groups`: group profile updates.
    case groups
    /// `/import`: authenticated, historical events.
    case importEvents = "import"
}
