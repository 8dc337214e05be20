// Mixpanel's ingestion response shapes (spec §1.2, §1.3.3), as plain values: status, headers,
// body. /track, /engage and /groups answer `1`/`0` or `{"status","error"}`; /import answers
// `{"code","num_records_imported","status"}`, and for the Python SDK's form requests also an
// integer `status` and an `error` key, which that SDK requires.

import ApusIngest
import ApusModel
import ApusStoreCore
import ApusStore

/// An HTTP answer before it is handed to the server framework.
package struct Reply: Sendable, Equatable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: [UInt8]

    package static func == (a: Reply, b: Reply) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" }
    }

    package var bodyText: String { String(decoding: body, as: UTF8.self) }
}

package enum IngestReply {
    /// A 1×1 transparent GIF.
    package static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    /// Seconds a client should wait before retrying after a 503.
    package static let retryAfterSeconds = 1

    package static func reply(for o: IngestOutcome) -> Reply {
        var reply = o.endpoint == .importEvents ? importReply(o) : trackingReply(o)
        if let refusal = o.bodyRefusal {
            if let seconds = refusal.retryAfterSeconds { reply.headers.append(("Retry-After", "\(seconds)")) }
            reply.headers.append(("Connection", "close"))
        }
        return reply
    }

    // MARK: /track, /engage, /groups

    static func trackingReply(_ o: IngestOutcome) -> Reply {
        var status = 200
        var extra: [(String, String)] = []
        if let refusal = o.bodyRefusal {
            status = refusal.httpStatus
        } else if let e = o.storeError {
            status = e.code == StoreError.overloaded.code ? 429 : 503
            extra.append(("Retry-After", "\(retryAfterSeconds)"))
        } else if let e = o.requestError, e.code == .payloadTooLarge || e.code == .tooManyRecords {
            status = 413
        } else if o.requestError != nil {
            // The payload itself is unreadable (bad JSON, bad base64, no data): retrying the same
            // bytes cannot succeed, so say so with 400 (the body still carries 0 / the error).
            status = 400
        } else if o.flags.verbose >= 2 && !o.succeeded {
            status = o.authError?.httpStatus ?? 400
        }
        // A pixel always answers with the image (an <img> cannot read an error anyway); only a
        // store that cannot take data answers otherwise, so that nothing is silently lost.
        if o.flags.img && o.storeError == nil && o.bodyRefusal == nil {
            return Reply(status: 200, headers: [("Content-Type", "image/gif"), ("Cache-Control", "no-cache, no-store")], body: pixel)
        }
        if status == 200, o.succeeded, let target = o.flags.redirect, isSafeRedirect(target) {
            return Reply(status: 302, headers: [("Location", locationHeader(target)), ("Cache-Control", "no-cache")], body: [])
        }
        var body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        if o.flags.verbose >= 1 {
            var members = [JSONMember("status", .number(o.succeeded ? 1 : 0)),
                           JSONMember("error", o.succeeded ? .null : .string(o.errorMessage ?? "invalid request"))]
            if !o.failures.isEmpty { members.append(JSONMember("failed_records", failedRecords(o.failures))) }
            body = JSONWriter.bytes(.object(members))
            contentType = "application/json"
        } else {
            body = Array((o.succeeded ? "1" : "0").utf8)
        }
        if status == 200, let callback = o.flags.callback, isSafeCallback(callback) {
            body = Array(callback.utf8) + Array("(".utf8) + body + Array(");".utf8)
            contentType = "text/javascript; charset=utf-8"
        }
        return Reply(status: status, headers: [("Content-Type", contentType)] + extra, body: body)
    }

    // MARK: /import

    static func importReply(_ o: IngestOutcome) -> Reply {
        var status = 200
        var extra: [(String, String)] = []
        var members: [JSONMember] = []
        if let refusal = o.bodyRefusal {
            status = refusal.httpStatus
        } else if let a = o.authError {
            status = a.httpStatus
        } else if let e = o.storeError {
            status = e.code == StoreError.overloaded.code ? 429 : 503
            extra.append(("Retry-After", "\(retryAfterSeconds)"))
        } else if let e = o.requestError {
            status = (e.code == .payloadTooLarge || e.code == .tooManyRecords) ? 413 : 400
        } else if !o.failures.isEmpty && (o.flags.strict || o.stored + o.ignored == 0) {
            status = 400
        }
        let pythonStyle = o.formTransport && !o.flags.strict
        members.append(JSONMember("code", .number(Double(status))))
        if o.authError == nil {
            members.append(JSONMember("num_records_imported", .number(Double(o.stored))))
        }
        if pythonStyle {
            members.append(JSONMember("status", .number(status == 200 ? 1 : 0)))
        } else {
            members.append(JSONMember("status", .string(statusText(status))))
        }
        if status != 200 {
            let message = (status == 400 && o.requestError == nil && o.authError == nil)
                ? "some data points in the request failed validation" : (o.errorMessage ?? "invalid request")
            members.append(JSONMember("error", .string(message)))
        } else if pythonStyle {
            members.append(JSONMember("error", .null))
        }
        if !o.failures.isEmpty { members.append(JSONMember("failed_records", failedRecords(o.failures))) }
        return Reply(status: status, headers: [("Content-Type", "application/json")] + extra,
                     body: JSONWriter.bytes(.object(members)))
    }

    static func failedRecords(_ failures: [RecordFailure]) -> JSONValue {
        .array(failures.map { f in
            var m = [JSONMember("index", .number(Double(f.index)))]
            if let id = f.insertId { m.append(JSONMember("insert_id", .string(id))) }
            m.append(JSONMember("field", .string(f.field)))
            m.append(JSONMember("code", .string(f.code)))
            m.append(JSONMember("message", .string(f.message)))
            return .object(m)
        })
    }

    package static func statusText(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 413: "Request Entity Too Large"
        case 429: "Too Many Requests"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    /// JSONP callbacks are reflected into a script: only identifier paths such as
    /// `mixpanel._jsc[48213377]`, and the JS SDK's no-op `(function(){})`, are accepted.
    package static func isSafeCallback(_ name: String) -> Bool {
        if name == "(function(){})" { return true }
        guard !name.isEmpty, name.utf8.count <= 128 else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x5F || c == 0x24 || c == 0x2E || c == 0x5B || c == 0x5D
        }
    }

    /// `url` as a `Location` value: every byte outside printable ASCII, and the few ASCII
    /// characters URLs may not hold raw (`"<>\^`{|}`), percent-encoded. Existing `%XX` escapes
    /// stay as they are, so an already-encoded URL is unchanged.
    static let notRawInURLs = Set(#""<>\^`{|}"#.utf8)

    package static func locationHeader(_ url: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(url.utf8.count)
        for b in url.utf8 {
            switch b {
            case 0x21 ... 0x7E where !notRawInURLs.contains(b):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Redirects go only to absolute http(s) URLs, never to `javascript:` or the like, and
    /// only after a record with a valid token was taken (so the route is no open redirector
    /// for strangers without a token).
    package static func isSafeRedirect(_ url: String) -> Bool {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return false }
        return !url.utf8.contains { $0 < 0x21 || $0 == 0x7F }
    }
}
