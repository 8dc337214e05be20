// HTTP Basic credentials, as Mixpanel accepts them: base64 of `user:password`, or (per its
// service-account docs) the same in plain text after `Basic `.

import Foundation

/// A username and password from an `Authorization: Basic` header.
package struct BasicCredentials: Sendable, Equatable {
    package var username: String
    package var password: String

    /// Parses the header value; nil when it is not Basic or is malformed.
    package init?(header: String?) {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        let token = String(parts[1]).trimmed(of: " \t")
        var text: String? = nil
        if let decoded = Data(base64Encoded: token), let s = String(data: decoded, encoding: .utf8), s.contains(":") {
            text = s
        } else if token.contains(":") {
            text = token
        }
        guard let text, let colon = text.firstIndex(of: ":") else { return nil }
        username = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
    }
}

extension String {
    func trimmed(of set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}
