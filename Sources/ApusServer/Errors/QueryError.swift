// Errors of the read API (export now, queries later) in Mixpanel's shape:
// {"error": "...", "request": "/api/2.0/export?..."} with 400, 401, 403, 429 or 503.
// This folder is the only place HTTP statuses for errors are chosen.

import ApusModel
import ApusStoreCore
import ApusStore

/// A refused or failed read request.
package struct QueryError: Error, Sendable {
    package var status: Int
    package var code: String
    package var message: String
    /// Seconds to wait before trying again (429, 503).
    package var retryAfterSeconds: Int?

    package static func badRequest(_ code: String, _ message: String) -> QueryError {
        QueryError(status: 400, code: code, message: message)
    }

    package init(status: Int, code: String, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    package init(_ auth: AuthError) {
        self.init(status: auth.httpStatus, code: auth.code, message: auth.message)
    }

    package init(_ store: StoreError) {
        self.init(status: store.code == .unknownProject ? 404 : 503, code: store.code.rawValue, message: store.message)
    }

    /// The reply, naming the request it answers.
    package func reply(request: String) -> Reply {
        let body = JSONValue.object([
            JSONMember("error", .string(message)),
            JSONMember("code", .string(code)),
            JSONMember("request", .string(request)),
            JSONMember("status", .string("error")),
        ])
        var headers = [("Content-Type", "application/json")]
        if let seconds = retryAfterSeconds ?? (status == 503 ? 1 : nil) { headers.append(("Retry-After", "\(seconds)")) }
        if status == 401 { headers.append(("WWW-Authenticate", "Basic realm=\"apus\"")) }
        return Reply(status: status, headers: headers, body: JSONWriter.bytes(body))
    }
}
