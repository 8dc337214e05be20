// Helpers shared by the ingest tests: building payloads the way each SDK does, and catching
// typed errors.

import ApusIngest
import ApusModel
import Foundation

enum Wire {
    /// `encodeURIComponent`: everything but unreserved characters percent-encoded.
    static func uriComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.!~*'()")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    /// Standard, padded base64 of the UTF-8 of `text` (what mixpanel-js sends).
    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    /// A /track event as JSON text.
    static func event(
        _ name: String = "Viewed Page", token: String = "tok", distinctId: String = "u1",
        time: String? = "1735689600.123", extra: String = ""
    ) -> String {
        var props = #""token":"\#(token)","distinct_id":"\#(distinctId)""#
        if let time { props += #","time":\#(time)"# }
        if !extra.isEmpty { props += "," + extra }
        return #"{"event":"\#(name)","properties":{\#(props)}}"#
    }

    /// A POST request with a text body.
    static func post(
        _ endpoint: IngestEndpoint = .track, body: String, contentType: String? = "application/x-www-form-urlencoded",
        encoding: String? = nil, query: String = ""
    ) -> IngestRequest {
        IngestRequest(endpoint: endpoint, method: .post, body: Array(body.utf8), contentType: contentType,
                      contentEncoding: encoding, query: query)
    }
}

/// The `IngestError` thrown by `body`, or nil.
func ingestError<T>(_ body: () throws -> T) -> IngestError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? IngestError
    }
}

/// Token table used across tests: `tok` → 1, `tok2` → 2.
let testTokens: @Sendable (String) -> ProjectID? = { token in
    switch token {
    case "tok": 1
    case "tok2": 2
    default: nil
    }
}

/// 2025-01-01T00:00:00Z plus a little, in ms.
let testNowMs: Int64 = 1_735_700_000_000
