// /track, /engage, /groups and /import (with or without a trailing slash; GET and POST).
// Decode → authenticate → validate → append to the store (durable before we answer) → reply.

import ApusIngest
import ApusModel
import ApusStore
import Hummingbird

/// Registers the ingestion routes.
package struct IngestionRoutes: Sendable {
    package var state: ServerState
    package var limits = IngestLimits()

    package func register(on router: Router<BasicRequestContext>) {
        let routes: [(String, IngestEndpoint)] = [("track", .track), ("engage", .engage), ("groups", .groups), ("import", .importEvents)]
        for (path, endpoint) in routes {
            for method in [HTTPRequest.Method.get, .post] {
                router.on(RouterPath(path), method: method) { request, context in
                    await handle(endpoint, request: request, context: context).response
                }
            }
        }
    }

    func handle(_ endpoint: IngestEndpoint, request: Request, context: BasicRequestContext) async -> Reply {
        let query = request.uri.query ?? ""
        let contentType = request.headers[.contentType]
        var body: [UInt8] = []
        do {
            let buffer = try await request.body.collect(upTo: state.configuration.requestBodyBytesMax)
            body = Array(buffer.readableBytesView)
        } catch {
            var o = IngestOutcome(endpoint: endpoint, flags: IngestFlags.fromQuery(query, endpoint: endpoint), formTransport: false)
            o.requestError = IngestError(.payloadTooLarge, "the request body is larger than \(state.configuration.requestBodyBytesMax) bytes; send at most 2000 records and 10 MB per request")
            return IngestReply.reply(for: o)
        }
        let formTransport = contentType?.lowercased().contains("x-www-form-urlencoded") == true || body.starts(with: Array("data=".utf8))
        // /import: refuse bad credentials before spending CPU on a 10 MB body. A project_id that
        // only the form body carries is taken into account after decoding.
        var authenticated: ProjectID? = nil
        let authenticator = Authenticator(catalog: state.catalog)
        if endpoint == .importEvents {
            let queryProject = QueryString(query)["project_id"]
            switch authenticator.authenticateImport(authorization: request.headers[.authorization], projectID: queryProject) {
            case .success(let p): authenticated = p.project
            case .failure(let e) where queryProject != nil || e == .missingCredentials || !formTransport:
                var o = IngestOutcome(endpoint: endpoint, flags: IngestFlags.fromQuery(query, endpoint: endpoint), formTransport: formTransport)
                o.authError = e
                return IngestReply.reply(for: o)
            case .failure: break
            }
        }
        let decoded: DecodedPayload
        do throws(IngestError) {
            decoded = try PayloadDecoder.decode(
                IngestRequest(endpoint: endpoint, method: request.method == .get ? .get : .post, body: body,
                              contentType: contentType, contentEncoding: request.headers[.contentEncoding], query: query),
                limits: limits)
        } catch {
            var o = IngestOutcome(endpoint: endpoint, flags: IngestFlags.fromQuery(query, endpoint: endpoint), formTransport: formTransport)
            o.requestError = error
            return IngestReply.reply(for: o)
        }
        var outcome = IngestOutcome(endpoint: endpoint, flags: decoded.flags, formTransport: formTransport)
        if endpoint == .importEvents && authenticated == nil {
            let auth = authenticator.authenticateImport(
                authorization: request.headers[.authorization], projectID: decoded.formFields["project_id"])
            switch auth {
            case .success(let p): authenticated = p.project
            case .failure(let e):
                outcome.authError = e
                return IngestReply.reply(for: outcome)
            }
        }
        let now = state.clock.nowMs()
        let catalog = state.catalog
        let context = EventValidationContext(
            endpoint: endpoint, strict: decoded.flags.strict && endpoint == .importEvents, nowMs: now,
            authenticatedProject: authenticated, resolveToken: { catalog.projectID(forToken: $0) },
            limits: limits, requestIP: nil, useRequestIP: decoded.flags.ip)
        switch endpoint {
        case .track, .importEvents:
            let result = EventValidator.validate(decoded, context: context)
            outcome.failures = result.failures
            outcome.ignored = result.ignored
            await store(result.accepted, now: now, into: &outcome)
        case .engage, .groups:
            let result = ProfileValidator.validate(decoded, context: context)
            outcome.failures = result.failures
            await store(result.accepted, kind: endpoint == .engage ? .userUpdates : .groupUpdates, now: now, into: &outcome)
        }
        return IngestReply.reply(for: outcome)
    }

    private func store(_ accepted: [AcceptedEvent], now: Int64, into outcome: inout IngestOutcome) async {
        for (project, items) in Self.groupedByProject(accepted, \.project) {
            do throws(StoreError) {
                try state.store.openProject(project)
                outcome.stored += try await state.store.append(events: items.map(\.event), to: project, receivedMs: now).count
            } catch {
                outcome.storeError = error
            }
        }
    }

    private func store(_ accepted: [ProfileUpdate], kind: WALRecordKind, now: Int64, into outcome: inout IngestOutcome) async {
        for (project, items) in Self.groupedByProject(accepted, \.project) {
            do throws(StoreError) {
                try state.store.openProject(project)
                let records = items.map { JSONWriter.bytes($0.record) }
                outcome.stored += try await state.store.append(updates: records, kind: kind, to: project, receivedMs: now).count
            } catch {
                outcome.storeError = error
            }
        }
    }

    /// Items grouped by project, projects in the order they first appear (one append each).
    static func groupedByProject<T>(_ items: [T], _ project: (T) -> ProjectID) -> [(ProjectID, [T])] {
        var groups: [(ProjectID, [T])] = []
        var index: [ProjectID: Int] = [:]
        for item in items {
            let p = project(item)
            if let i = index[p] {
                groups[i].1.append(item)
            } else {
                index[p] = groups.count
                groups.append((p, [item]))
            }
        }
        return groups
    }
}
