// What every route needs: the store, the catalog, the clock, the logger, the body budget and
// the threads that parse large bodies. Built once.

import ApusModel
import ApusStoreCore
import ApusCatalog
import ApusIngest
import Logging
import NIOPosix

/// Shared, immutable handles used by the routes.
package struct ServerState: Sendable {
    /// Where events live: the only door to them (the embedded store unless configured otherwise).
    package var store: any EventStore
    package var catalog: Catalog
    package var clock: any WallClock
    package var logger: Logger
    package var configuration: ServerConfiguration
    /// Memory held by request bodies being read or parsed.
    package var bodyBudget: BodyBudget
    /// Where large bodies are parsed (started in `ApusServer.open`, stopped when `run` ends).
    package var decoders: NIOThreadPool
    /// Per-project admission of queries.
    package var queryLimiter: QueryLimiter
    /// Answers of paged profile queries, by `session_id`.
    package var engageSessions = EngageSessions()
    /// Identity resolutions reused between queries.
    package var identities = IdentityCache()
    /// Where IP addresses are (nil: no database configured, no geolocation).
    package var geoLocator: (any GeoLocator)? = nil
}
