// Mixpanel truncates strings to 255 (spec §1.3.4, §1.7.4); Apus counts UTF-8 bytes, the stricter
// reading, and cuts at a character (grapheme) boundary so no text is left half an emoji.

import ApusModel

extension String {
    /// This string cut to at most `bytesMax` UTF-8 bytes at a character boundary.
    func truncated(toUTF8Bytes bytesMax: Int) -> String {
        guard utf8.count > bytesMax else { return self }
        var end = startIndex
        var bytes = 0
        for index in indices {
            let next = self.index(after: index)
            let width = utf8.distance(from: index, to: next)
            if bytes + width > bytesMax { break }
            bytes += width
            end = next
        }
        if bytes == 0 {
            // A single character longer than the limit: cut at a scalar boundary instead.
            for index in unicodeScalars.indices {
                let next = unicodeScalars.index(after: index)
                let width = utf8.distance(from: index, to: next)
                if bytes + width > bytesMax { break }
                bytes += width
                end = next
            }
        }
        return String(self[..<end])
    }
}

extension JSONValue {
    /// True when some string value inside (not keys) is longer than `bytesMax` UTF-8 bytes.
    func hasString(longerThan bytesMax: Int) -> Bool {
        switch self {
        case .string(let s): return s.utf8.count > bytesMax
        case .array(let elements): return elements.contains { $0.hasString(longerThan: bytesMax) }
        case .object(let members): return members.contains { $0.value.hasString(longerThan: bytesMax) }
        case .null, .bool, .number: return false
        }
    }

    /// This value with every string value (not keys) cut to `bytesMax` UTF-8 bytes.
    func truncatingStrings(toUTF8Bytes bytesMax: Int) -> JSONValue {
        guard hasString(longerThan: bytesMax) else { return self }
        switch self {
        case .string(let s):
            return .string(s.truncated(toUTF8Bytes: bytesMax))
        case .array(let elements):
            return .array(elements.map { $0.truncatingStrings(toUTF8Bytes: bytesMax) })
        case .object(let members):
            return .object(members.map { JSONMember($0.key, $0.value.truncatingStrings(toUTF8Bytes: bytesMax)) })
        case .null, .bool, .number:
            return self
        }
    }

    /// A number or string as an id string: integral numbers without a decimal point
    /// (`42`, not `42.0`); nil for other types.
    var idString: String? {
        switch self {
        case .string(let s):
            return s
        case .number(let d):
            if d.isFinite, d == d.rounded(.towardZero), d.magnitude < 9.2e18 { return String(Int64(d)) }
            return JSONWriter.string(self)
        default:
            return nil
        }
    }
}
