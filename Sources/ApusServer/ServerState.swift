// What every route needs: the store, the catalog, the clock and the logger. Built once.

import ApusModel
import ApusStore
import Logging

/// Shared, immutable handles used by the routes.
package struct ServerState: Sendable {
    package var store: EmbeddedEventStore
    package var catalog: Catalog
    package var clock: any WallClock
    package var logger: Logger
    package var configuration: ServerConfiguration
}
