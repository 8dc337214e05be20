// What an event says about who is who (spec §1.6): the facts the identity graph is built from.
// Every event is read for both merge modes; which facts count is decided when a project's
// identity is resolved (`IdentityGraph`), so the facts are the same whatever the mode.
//
// - Simplified ID merge: an event (other than `$identify`, `$create_alias`, `$merge`) carrying
//   both `$device_id` and `$user_id` links the device (as `$device:<id>`) to the user; one
//   with `$user_id` sent under a `$device:` distinct id links that device too (Mixpanel sets
//   such an event's distinct id to the `$user_id`).
// - Original ID merge: `$identify` (`$anon_id` or the SDKs' `$anon_distinct_id`, and
//   `$identified_id` or the event's distinct id), `$create_alias` (`alias` and the distinct
//   id), `$merge` (`$distinct_ids`, exactly two).

import ApusModel
#if canImport(Glibc)
import Glibc
#endif

/// One identity fact from one event.
package enum IdentityLink: Sendable, Hashable {
    /// Simplified: this device (with its `$device:` prefix) belongs to this user.
    case deviceUser(device: String, user: String)
    /// Original: `$identify` of an anonymous id as an identified one.
    case identify(anon: String, identified: String)
    /// Original: `$create_alias` of `alias` to an existing `distinctId`.
    case alias(alias: String, distinctId: String)
    /// Original: `$merge` of two ids.
    case merge(String, String)

    /// The facts in `event` (none for most events).
    package static func links(in event: Event) -> [IdentityLink] {
        func text(_ key: String) -> String? {
            switch event.properties[key: key] {
            case .string(let s)? where !s.isEmpty: return s
            case .number(let n)?:
                // As ingestion spells a numeric id (`idString`): integers without a decimal point.
                if n.isFinite, n == n.rounded(.towardZero), n.magnitude < 9.2e18 { return String(Int64(n)) }
                return JSONWriter.string(.number(n))
            default: return nil
            }
        }
        switch event.name {
        case "$identify":
            guard let anon = text("$anon_id") ?? text("$anon_distinct_id") else { return [] }
            let identified = text("$identified_id") ?? (event.distinctId.isEmpty ? nil : event.distinctId)
            guard let identified, identified != anon else { return [] }
            return [.identify(anon: anon, identified: identified)]
        case "$create_alias":
            guard let alias = text("alias"), !event.distinctId.isEmpty, alias != event.distinctId else { return [] }
            return [.alias(alias: alias, distinctId: event.distinctId)]
        case "$merge":
            guard case .array(let ids)? = event.properties[key: "$distinct_ids"], ids.count == 2,
                  case .string(let a) = ids[0], case .string(let b) = ids[1], !a.isEmpty, !b.isEmpty, a != b else { return [] }
            return [.merge(a, b)]
        default:
            guard let user = text("$user_id") else { return [] }
            var out: [IdentityLink] = []
            if let device = text("$device_id") {
                out.append(.deviceUser(device: device.hasPrefix("$device:") ? device : "$device:" + device, user: user))
            }
            // Simplified ID merge counts an event with `$user_id` as that user: a device id the
            // client sent as the distinct id joins the user like its device. (A plain sent id is
            // a user id of its own; two users never join.)
            if event.distinctId.hasPrefix("$device:"), event.distinctId != user,
               out.first != .deviceUser(device: event.distinctId, user: user) {
                out.append(.deviceUser(device: event.distinctId, user: user))
            }
            return out
        }
    }

    /// The facts in one event record (`EventCodec` bytes); only records that can hold one are
    /// decoded.
    package static func links(inRecord bytes: UnsafeRawBufferPointer) -> [IdentityLink] {
        guard mayHoldLinks(bytes) else { return [] }
        var r = BinaryReader(bytes, start: 0, end: bytes.count)
        guard let event = try? EventCodec.decode(&r) else { return [] }
        return links(in: event)
    }

    /// True when the record's bytes contain `$user_id` or one of the identity event names:
    /// each `$` is found with `memchr` and the names compared there (most records hold a few).
    static func mayHoldLinks(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var at = 0
        while at < bytes.count, let hit = memchr(base + at, 0x24, bytes.count - at) {
            let i = base.distance(to: UnsafeRawPointer(hit))
            // The byte after `$` rules out most needles before any is compared.
            let next = i + 1 < bytes.count ? bytes[i + 1] : 0
            for needle in needles where needle[1] == next && i + needle.count <= bytes.count {
                if memcmp(base + i, needle, needle.count) == 0 { return true }
            }
            at = i + 1
        }
        return false
    }

    private static let needles: [[UInt8]] = ["$user_id", "$identify", "$create_alias", "$merge"].map { Array($0.utf8) }

    // MARK: As logged

    /// The compact JSON a link is logged as.
    package var json: [UInt8] {
        let value: JSONValue
        switch self {
        case .deviceUser(let d, let u): value = .object([JSONMember("device", .string(d)), JSONMember("user", .string(u))])
        case .identify(let a, let i): value = .object([JSONMember("anon", .string(a)), JSONMember("identified", .string(i))])
        case .alias(let a, let d): value = .object([JSONMember("alias", .string(a)), JSONMember("distinct_id", .string(d))])
        case .merge(let a, let b): value = .object([JSONMember("merge", .array([.string(a), .string(b)]))])
        }
        return JSONWriter.bytes(value)
    }

    /// A logged link read back; nil if the bytes are not one.
    package init?(json bytes: some Collection<UInt8>) {
        guard case .object(let m)? = try? JSONParser.parse(Array(bytes)) else { return nil }
        if case .string(let d)? = m[key: "device"], case .string(let u)? = m[key: "user"] {
            self = .deviceUser(device: d, user: u)
        } else if case .string(let a)? = m[key: "anon"], case .string(let i)? = m[key: "identified"] {
            self = .identify(anon: a, identified: i)
        } else if case .string(let a)? = m[key: "alias"], case .string(let d)? = m[key: "distinct_id"] {
            self = .alias(alias: a, distinctId: d)
        } else if case .array(let ids)? = m[key: "merge"], ids.count == 2, case .string(let a) = ids[0], case .string(let b) = ids[1] {
            self = .merge(a, b)
        } else {
            return nil
        }
    }
}
