// Deciding how to read a body: raw JSON (Swift SDK, /import), form data (Python SDK, mixpanel-js
// incl. sendBeacon's text/plain), or nothing. Content-Type is only a hint: SDKs mislabel bodies,
// so the first bytes decide when they can (spec §1.1 rule 1).

/// How a body is to be read.
enum BodyKind: Equatable {
    case empty
    case json
    case form

    /// Classifies a (decompressed) body: JSON when it starts with `{` or `[`; form when it starts
    /// with `data=`, contains `&data=`, or has any Content-Type other than a JSON one.
    init(_ body: [UInt8], contentType: String?) {
        guard let first = body.firstIndex(where: { !$0.isJSONWhitespace }) else {
            self = .empty
            return
        }
        let b = body[first]
        if b == .openBrace || b == .openBracket {
            self = .json
            return
        }
        if Self.hasPrefix(body, "data=") {
            self = .form
            return
        }
        if Self.isJSONMediaType(contentType) {
            self = Self.contains(body, "&data=") ? .form : .json
        } else {
            self = .form
        }
    }

    static func isJSONMediaType(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingSpaces.lowercased() } ?? ""
        return media == "application/json" || media == "application/x-ndjson" || media == "application/ndjson"
            || media == "application/jsonl" || media == "application/x-jsonlines" || media == "text/json"
            || media.hasSuffix("+json")
    }

    static func hasPrefix(_ body: [UInt8], _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard body.count >= count else { return false }
        for k in 0 ..< count where body[k] != prefix.utf8Start[k] { return false }
        return true
    }

    static func contains(_ body: [UInt8], _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard body.count >= count else { return false }
        let first = needle.utf8Start[0]
        var i = 0
        outer: while i + count <= body.count {
            if body[i] == first {
                for k in 1 ..< count where body[i + k] != needle.utf8Start[k] {
                    i += 1
                    continue outer
                }
                return true
            }
            i += 1
        }
        return false
    }
}
