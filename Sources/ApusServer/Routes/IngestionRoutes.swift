// /track, /engage, /groups and /import (with or without a trailing slash; GET and POST).
// Read the body within the memory budget → decode, authenticate and validate (large bodies on
// the decode threads) → append to the store (durable before we answer) → reply.

import ApusIngest
import ApusModel
import ApusStoreCore
import ApusStore
import Hummingbird

/// Registers the ingestion routes.
package struct IngestionRoutes: Sendable {
    package var state: ServerState
    package var limits = IngestLimits()

    package func register(on router: Router<ApusRequestContext>) {
        let routes: [(String, IngestEndpoint)] = [("track", .track), ("engage", .engage), ("groups", .groups), ("import", .importEvents)]
        for (path, endpoint) in routes {
            for method in [HTTPRequest.Method.get, .post] {
                router.on(RouterPath(path), method: method) { request, context in
                    await handle(endpoint, request: request, context: context).response
                }
            }
        }
    }

    func handle(_ endpoint: IngestEndpoint, request: Request, context: ApusRequestContext) async -> Reply {
        let query = request.uri.query ?? ""
        let reservation = BodyReservation(budget: state.bodyBudget, client: context.clientKey)
        defer { reservation.release() }

        let body: [UInt8]
        switch await readBody(request, reservation: reservation) {
        case .success(let bytes):
            body = bytes
        case .failure(let refusal):
            var o = IngestOutcome(endpoint: endpoint, flags: IngestFlags.fromQuery(query, endpoint: endpoint), formTransport: false)
            o.bodyRefusal = refusal
            return IngestReply.reply(for: o)
        }

        let input = IngestRequest(
            endpoint: endpoint, method: request.method == .get ? .get : .post, body: body,
            contentType: request.headers[.contentType], contentEncoding: request.headers[.contentEncoding], query: query)
        let stage = IngestDecodeStage(
            state: state, limits: limits, input: input, authorization: request.headers[.authorization],
            reservation: reservation, clientIP: context.remoteAddress?.ipAddress)
        let decoded: IngestDecodeStage.Result
        if stage.runsInline(state.configuration) {
            decoded = stage.run()
        } else {
            do {
                decoded = try await state.decoders.runIfActive { stage.run() }
            } catch {
                var o = IngestOutcome(endpoint: endpoint, flags: IngestFlags.fromQuery(query, endpoint: endpoint), formTransport: false)
                o.storeError = StoreError(.shuttingDown, "the server is shutting down; retry in a moment")
                return IngestReply.reply(for: o)
            }
        }
        var outcome = decoded.outcome
        switch decoded.records {
        case .none:
            break
        case .events(let accepted):
            await store(accepted, now: decoded.nowMs, into: &outcome)
        case .records(let transcoded):
            let written = await StoreWriter(store: state.store).write(transcoded, receivedMs: decoded.nowMs)
            outcome.stored += written.stored
            if let error = written.error { outcome.storeError = error }
        case .profiles(let accepted, let kind):
            await store(accepted, kind: kind, now: decoded.nowMs, into: &outcome)
        }
        return IngestReply.reply(for: outcome)
    }

    private func store(_ accepted: [AcceptedEvent], now: Int64, into outcome: inout IngestOutcome) async {
        let written = await StoreWriter(store: state.store).write(events: accepted, receivedMs: now)
        outcome.stored += written.stored
        if let error = written.error { outcome.storeError = error }
    }

    private func store(_ accepted: [ProfileUpdate], kind: ProfileUpdateKind, now: Int64, into outcome: inout IngestOutcome) async {
        let accepted = kind == .user ? redirectingAliases(accepted) : accepted
        let written = await StoreWriter(store: state.store).write(updates: accepted, kind: kind, receivedMs: now)
        outcome.stored += written.stored
        if let error = written.error { outcome.storeError = error }
    }

    /// User updates of Original ID merge projects, each sent to the profile of the person its
    /// distinct id stands for (as merged when the update arrives).
    private func redirectingAliases(_ accepted: [ProfileUpdate]) -> [ProfileUpdate] {
        // Per project once: its Original-mode clusters, or none (Simplified, or unreadable).
        var clusters: [ProjectID: IdentityClusters] = [:]
        for project in Set(accepted.map(\.project)) where state.catalog.identityMode(of: project) == .original {
            clusters[project] = (try? state.store.identity(of: project))?.original
        }
        guard !clusters.isEmpty else { return accepted }
        return accepted.map { update in
            guard let c = clusters[update.project] else { return update }
            return update.redirected { c.canonical(of: $0) }
        }
    }
}
