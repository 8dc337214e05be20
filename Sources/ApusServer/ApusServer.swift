// Assembles and runs the HTTP server: opens the data folder (catalog, then the store, which
// replays its logs), builds the router, and listens. Shutdown on SIGTERM/SIGINT drains
// requests, then commits what is queued and closes the store.

import ApusModel
import ApusStoreCore
import ApusCatalog
import ApusIngest
import ApusStore
import Foundation
import Hummingbird
import Logging
import NIOPosix

/// The Apus HTTP server.
package enum ApusServer {
    /// Builds the router with every route and middleware.
    package static func router(state: ServerState) -> Router<ApusRequestContext> {
        let router = Router(context: ApusRequestContext.self)
        router.middlewares.add(TrackingCORSMiddleware())
        HealthRoutes().register(on: router)
        IngestionRoutes(state: state).register(on: router)
        ExportRoutes(state: state).register(on: router)
        QueryRoutes(state: state).register(on: router)
        PrivacyRoutes(state: state).register(on: router)
        return router
    }

    /// Opens the data folder and returns the state the routes share, plus what a first start created.
    package static func open(_ configuration: ServerConfiguration, clock: any WallClock = SystemClock(), logger: Logger) throws -> (ServerState, DataFolder.Bootstrap?) {
        let (catalog, bootstrap) = try DataFolder.open(configuration, clock: clock)
        let store = try EmbeddedEventStore(configuration: configuration.store, logger: logger)
        for project in try catalog.projects() { try store.openProject(project.id) }
        let budget = BodyBudget(limits: configuration.bodyBudget
            ?? .sized(forPhysicalMemory: ProcessInfo.processInfo.physicalMemory))
        let decoders = NIOThreadPool(numberOfThreads: max(1, configuration.decodeThreads))
        decoders.start()
        var state = ServerState(store: store, catalog: catalog, clock: clock, logger: logger, configuration: configuration,
                                bodyBudget: budget, decoders: decoders,
                                queryLimiter: QueryLimiter(limits: configuration.queryLimits, clock: clock))
        // A database that was asked for but cannot be read stops the start (no database at all
        // means no geolocation).
        if let path = configuration.geoDatabasePath { state.geoLocator = try MaxMindGeoLocator(path: path) }
        return (state, bootstrap)
    }

    /// Runs until SIGTERM or SIGINT. `onListening` receives the bound port.
    package static func run(state: ServerState, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(
            router: router(state: state),
            server: .guardedHTTP1(timeouts: state.configuration.timeouts),
            configuration: .init(address: .hostname(state.configuration.host, port: state.configuration.port),
                                 serverName: "apus"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? state.configuration.port) },
            logger: state.logger)
        do {
            try await app.runService()
        } catch {
            try? await state.decoders.shutdownGracefully()
            state.store.close()
            throw error
        }
        try? await state.decoders.shutdownGracefully()
        state.store.close()
    }
}
