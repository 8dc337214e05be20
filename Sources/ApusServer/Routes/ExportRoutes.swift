// Raw event export, GET /api/2.0/export (spec §2.3): NDJSON, one event per line, in storage
// order day by day, deduplicated. Streams day by day so memory holds one day at a time.
// Reading personal data needs a service account with Analyst or higher (or the legacy project
// secret); a project token never reads.

import ApusModel
import ApusStoreCore
import ApusCatalog
import ApusExpression
import ApusQuery
import ApusStore
import Foundation
import HTTPTypes
import Hummingbird

package struct ExportRoutes: Sendable {
    package var state: ServerState
    /// Largest `limit` accepted, as Mixpanel.
    package static let limitMax = 100_000
    /// Rows formatted by one task: about 700 KB of NDJSON at Mixpanel-like sizes, under the
    /// 1 MiB above which the allocator maps (and the kernel zeroes) fresh pages for every
    /// buffer (`MemoryTuning`); below it, freed slices are reused from the heap.
    static let rowsPerSlice = 2048

    package func register(on router: Router<ApusRequestContext>) {
        for path in ["api/2.0/export", "api/query/export"] {
            router.get(RouterPath(path)) { request, _ in
                do throws(QueryError) {
                    return try export(request)
                } catch {
                    return error.reply(request: requestLine(request)).response
                }
            }
        }
    }

    package struct Parameters: Sendable {
        var days: ClosedRange<Int32>
        var names: Set<String>?
        var limit: Int?
        var timeInMs: Bool
        /// `where`: only events that make it true.
        var filter: ApusExpression.Expression?
    }

    private func requestLine(_ request: Request) -> String {
        request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
    }

    func export(_ request: Request) throws(QueryError) -> Response {
        let q = QueryString(request.uri.query)
        let principal: Principal
        switch Authenticator(catalog: state.catalog).authenticateRead(
            authorization: request.headers[.authorization], projectID: q["project_id"], minimum: .analyst) {
        case .success(let p): principal = p
        case .failure(let e): throw QueryError(e)
        }
        let params = try Self.parse(q)
        let store = state.store
        let identities = state.identities
        let project = principal.project
        let mode = ((try? state.catalog.project(id: project)) ?? nil)?.identityMode ?? .simplified
        let gzip = Self.acceptsGzip(request.headers[.acceptEncoding])
        let body = ResponseBody { writer in
            let compressor = gzip ? GzipStream() : nil
            func send(_ bytes: ByteBuffer) async throws {
                guard let compressor else {
                    if bytes.readableBytes > 0 { try await writer.write(bytes) }
                    return
                }
                let out = bytes.withUnsafeReadableBytes { compressor.compress($0) }
                if !out.isEmpty { try await writer.write(ByteBuffer(bytes: out)) }
            }
            var remaining = params.limit ?? Int.max
            // One snapshot for the whole export: a consistent view, however long it streams.
            let snapshot = try store.snapshot(of: project)
            // Rows are shown under their identity cluster's canonical id (the id they were
            // sent with goes in `$distinct_id_before_identity`).
            let identity = identities.resolution(snapshot, project: project, mode: mode)
            let blocks = try snapshot.scan(.everything(days: params.days, eventNames: params.names))
            // Lines are written by tasks, a slice of rows each, while this task reads the next
            // block (both cores busy); slices are sent in order, at most `inFlightMax` pending.
            var pending: [Task<ByteBuffer, Never>] = []
            let inFlightMax = 2 * max(2, ProcessInfo.processInfo.activeProcessorCount)
            let timeInMs = params.timeInMs
            let filter = params.filter.map { BlockFilter($0, snapshot: snapshot, identity: identity) }
            while remaining > 0, var block = try blocks.next() {
                if let filter {
                    guard let kept = filter.apply(block) else { continue }
                    block = kept
                }
                let lines = ExportFormat(block, timeInMs: timeInMs)
                var start = 0
                while start < block.count && remaining > 0 {
                    let end = min(block.count, start + min(remaining, Self.rowsPerSlice))
                    remaining -= end - start
                    let rows = start..<end
                    pending.append(Task {
                        var slice = lines
                        let out = LineSink(capacity: rows.count * 384)
                        slice.appendLines(rows: rows, snapshot: snapshot, identity: identity, to: out)
                        return ByteBuffer(bytes: out.bytes)
                    })
                    start = end
                    while pending.count >= inFlightMax {
                        try await send(await pending.removeFirst().value)
                    }
                }
            }
            for task in pending { try await send(await task.value) }
            if let compressor {
                let tail = compressor.compress([], finish: true)
                if !tail.isEmpty { try await writer.write(ByteBuffer(bytes: tail)) }
            }
            try await writer.finish(nil)
        }
        do throws(StoreError) {
            _ = try store.snapshot(of: project)
        } catch {
            if error.code == .unknownProject {
                // A project with no data yet has no log: an empty export, as Mixpanel answers.
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody())
            }
            throw QueryError(error)
        }
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if gzip {
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// True when the client lists gzip in Accept-Encoding (without q=0).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.lowercased().split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.first == "gzip" && !parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }

    static func parse(_ q: QueryString) throws(QueryError) -> Parameters {
        let (from, to) = try DateParameters.range(q)
        var names: Set<String>? = nil
        if let eventText = q["event"], !eventText.isEmpty {
            guard case .array(let items)? = try? JSONParser.parse(eventText),
                  let list = Optional(items.compactMap(\.stringValue)), list.count == items.count else {
                throw .badRequest("invalid_event", "event must be a JSON array of event names, e.g. [\"Signed Up\"]")
            }
            names = Set(list)
        }
        var limit: Int? = nil
        if let limitText = q["limit"] {
            guard let n = DecimalText.integer(limitText).map(Int.init), n <= limitMax else {
                throw .badRequest("invalid_limit", "limit must be a whole number from 0 to \(limitMax)")
            }
            limit = n
        }
        var filter: ApusExpression.Expression? = nil
        if let w = q["where"], !w.trimmingCharacters(in: .whitespaces).isEmpty {
            do throws(ExpressionError) {
                filter = try ExpressionParser.parse(w)
            } catch {
                throw .badRequest("invalid_expression", "where: \(error.message)")
            }
        }
        let timeInMs = ["1", "true"].contains(q["time_in_ms"]?.lowercased() ?? "")
        return Parameters(days: Int32(from.daysSinceEpoch)...Int32(to.daysSinceEpoch), names: names, limit: limit, timeInMs: timeInMs,
                          filter: filter)
    }
}
