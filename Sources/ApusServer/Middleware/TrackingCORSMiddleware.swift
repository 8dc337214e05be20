// CORS (spec §0.3). The browser SDK sends tracking requests with credentials, so a response is
// readable only when it echoes the Origin and allows credentials; `*` is not enough. Preflights
// (sites with custom xhr_headers; flags and replay fetches) are answered here.

import Hummingbird

/// Echoes Origin with credentials and answers OPTIONS preflights.
package struct TrackingCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
