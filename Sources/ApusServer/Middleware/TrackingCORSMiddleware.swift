// CORS (spec §0.3). The browser SDK sends tracking requests with credentials, so a response is
// readable only when it echoes the Origin and allows credentials; `*` is not enough. Preflights
// (sites with custom xhr_headers; flags and replay fetches) are answered here.
// Only the ingestion routes get these headers: echoing an Origin with credentials on a read
// route (export) would let any web page read data with a browser's cached credentials.

import Hummingbird

/// Echoes Origin with credentials and answers OPTIONS preflights.
package struct TrackingCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard TrackingPaths.contains(request.uri.path) else { return try await next(request, context) }
        let origin = request.headers[.origin]
        if request.method == .options, let origin {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowCredentials] = "true"
            headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders]
                ?? "Authorization, Content-Type, Content-Encoding, traceparent"
            headers[.accessControlMaxAge] = "86400"
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        if let origin {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlAllowCredentials] = "true"
            response.headers[.vary] = "Origin"
        }
        return response
    }
}

/// The browser-facing ingestion routes (with or without a trailing slash). /import is not one:
/// browsers never call it, and it takes credentials.
enum TrackingPaths {
    static let roots: Set<Substring> = ["track", "engage", "groups", "flags", "record", "settings", "decide"]

    static func contains(_ path: String) -> Bool {
        guard let first = path.split(separator: "/", omittingEmptySubsequences: true).first else { return false }
        return roots.contains(first)
    }
}
