// Event records → `Event`s (spec §1.2, §1.3.4, §1.7). Each record is checked by small rules in
// a fixed order; the first rule a record breaks becomes its one `RecordFailure`, naming the
// record's index and the field. Good records are accepted whatever happens to their neighbours.
//
// Rules for every endpoint: the record is an object no larger than `recordBytesMax`; `event` is
// a non-empty string; `properties` is an object of at most `propertiesMax` members; the token
// names a project; `time` (if any) is a non-negative number of seconds or milliseconds;
// `distinct_id` (if any) is a string or number. Per endpoint: /track uses receive time when
// `time` is missing and clamps future times to now; /import needs `time` and refuses anything
// before 1971 or over an hour ahead. Strict /import (spec §1.3.4) also needs `distinct_id` and
// `$insert_id` and refuses placeholder values. `$ignore` drops a record silently.

import ApusModel
#if canImport(Glibc)
import Glibc
#endif

/// Validates and normalises event records.
package enum EventValidator {
    /// Identity-management events: commands rather than observations, so /import takes them
    /// without a time, distinct id or insert id (the SDK's `merge()` sends none of these).
    static let identityCommands: Set<String> = ["$merge", "$identify", "$create_alias"]

    /// Validates `records` (as decoded by `PayloadDecoder`).
    /// - Parameter recordByteCounts: each record's JSON size, parallel to `records`; when nil,
    ///   sizes are measured by serialising each record.
    package static func validate(
        _ records: [JSONValue], recordByteCounts: [Int]? = nil, context: EventValidationContext
    ) -> EventBatchResult {
        var state = EventValidation(context: context)
        var result = EventBatchResult()
        result.accepted.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let byteCount = recordByteCounts.flatMap { index < $0.count ? $0[index] : nil }
            switch state.validate(record, index: index, byteCount: byteCount) {
            case .accepted(let accepted): result.accepted.append(accepted)
            case .failed(let failure): result.failures.append(failure)
            case .ignored: result.ignored += 1
            }
        }
        return result
    }

    /// Validates the records of a decoded payload, using the sizes the decoder measured.
    package static func validate(_ payload: DecodedPayload, context: EventValidationContext) -> EventBatchResult {
        validate(payload.records, recordByteCounts: payload.recordByteCounts, context: context)
    }
}

/// The per-batch state of event validation: the context, the id generator, a token cache.
struct EventValidation {
    enum Outcome {
        case accepted(AcceptedEvent)
        case failed(RecordFailure)
        case ignored
    }

    let context: EventValidationContext
    let strictRules: Bool
    let enricher: EventEnricher
    var insertIds: InsertIDGenerator
    var projects: ProjectResolver

    init(context: EventValidationContext) {
        self.context = context
        strictRules = context.appliesStrictRules
        enricher = EventEnricher(context)
        projects = ProjectResolver(context)
        insertIds = context.insertIdSeed.map { InsertIDGenerator(seed: $0) } ?? InsertIDGenerator()
    }

    /// The special properties, lifted out in one pass.
    struct Special {
        var token: JSONValue?
        var time: JSONValue?
        var distinctId: JSONValue?
        var insertId: JSONValue?
        var ip: JSONValue?
        var ignore: JSONValue?
        /// `$device_id` and `$user_id`, which also stay in the properties.
        var deviceId: JSONValue?
        var userId: JSONValue?
    }

    mutating func validate(_ record: JSONValue, index: Int, byteCount: Int?) -> Outcome {
        let limits = context.limits
        // Size first: a record over the limit was never parsed (PayloadDecoder leaves it null).
        let size = byteCount ?? JSONWriter.bytes(record).count
        guard size <= limits.recordBytesMax else {
            return fail(index, nil, "record", .recordTooLarge,
                        "record \(index) is \(size) bytes of JSON; an event may be at most \(limits.recordBytesMax) bytes")
        }
        guard case .object(let top) = record else {
            return fail(index, nil, "record", .recordNotObject,
                        "record \(index) is a JSON \(record.kindName); send an object {\"event\": …, \"properties\": {…}}")
        }

        var nameValue: JSONValue?
        var propertiesValue: JSONValue?
        for member in top {
            if member.key == "event" {
                if nameValue == nil { nameValue = member.value }
            } else if member.key == "properties" {
                if propertiesValue == nil { propertiesValue = member.value }
            }
        }
        guard case .string(let rawName)? = nameValue, !rawName.isEmpty else {
            let givenInsertId = propertiesValue?["$insert_id"]?.stringValue
            let problem = nameValue == nil ? "is missing" : "must be a non-empty string"
            return fail(index, givenInsertId, "event", nameValue == nil ? .missingField : .invalidField,
                        "'event' \(problem): give each record the event's name")
        }
        guard case .object(let properties)? = propertiesValue else {
            let givenInsertId = propertiesValue?["$insert_id"]?.stringValue
            let problem = propertiesValue == nil ? "is missing" : "must be an object"
            return fail(index, givenInsertId, "properties", propertiesValue == nil ? .missingField : .invalidField,
                        "'properties' \(problem): send the event's properties as a JSON object")
        }

        let special: Special
        var kept: [JSONMember]
        (special, kept) = Self.split(properties, stringBytesMax: limits.stringBytesMax)
        switch decide(index: index, name: rawName, special: special, propertyCount: properties.count) {
        case .ignored: return .ignored
        case .failed(let failure): return .failed(failure)
        case .accepted(let header):
            enricher.enrich(&kept, ipProperty: special.ip)
            let event = Event(
                name: header.name, distinctId: header.distinctId, timeMs: header.timeMs,
                insertId: header.insertId, properties: kept)
            return .accepted(AcceptedEvent(index: index, project: header.project, event: event))
        }
    }

    /// What the rules make of a record whose shape is right.
    enum Decision {
        case accepted(Header)
        case failed(RecordFailure)
        case ignored
    }

    /// The normalised fields of an accepted event.
    struct Header {
        var project: ProjectID
        var name: String
        var distinctId: String
        var timeMs: Int64
        var insertId: String
        /// False when the event certainly states no identity fact (`IdentityLink`): not an
        /// identity command and no `$user_id`.
        var mayHoldLinks = true
    }

    /// The rules after the record's shape: `$ignore`, the property count, the project, time,
    /// distinct id and insert id, in that order. Shared by `validate` and `EventTranscoder`, so
    /// that both give the same answer (and draw generated insert ids in the same order).
    /// - Parameters:
    ///   - name: the record's `event`, a non-empty string.
    ///   - propertyCount: members of `properties`, the special ones included.
    mutating func decide(index: Int, name rawName: String, special: Special, propertyCount: Int) -> Decision {
        let limits = context.limits
        // Only `$` names can be commands: most events skip hashing their name.
        let isIdentityCommand = rawName.utf8.first == UInt8(ascii: "$") && EventValidator.identityCommands.contains(rawName)
        let strictRules = strictRules && !isIdentityCommand
        if Self.isTruthy(special.ignore) { return .ignored }
        let givenInsertId = special.insertId?.stringValue

        guard propertyCount <= limits.propertiesMax else {
            return refuse(index, givenInsertId, "properties", .tooManyProperties,
                          "'properties' has \(propertyCount) members; an event may have at most \(limits.propertiesMax)")
        }

        // Project.
        let project: ProjectID
        switch projects.resolve(special.token, field: "properties.token") {
        case .success(let p): project = p
        case .failure(let failure):
            return refuse(index, givenInsertId, "properties.token", failure.code, failure.message)
        }

        // Time.
        let timeMs: Int64
        switch ClientTime.read(special.time) {
        case .missing:
            // Identity commands ($merge from the Python SDK's merge()) carry no time: they act now.
            if context.endpoint == .importEvents && !isIdentityCommand {
                return refuse(index, givenInsertId, "properties.time", .missingField,
                              "'properties.time' is missing: /import needs each event's time in seconds or milliseconds since the epoch")
            }
            timeMs = context.nowMs
        case .invalid:
            return refuse(index, givenInsertId, "properties.time", .invalidTime,
                          "'properties.time' is invalid: must be a non-negative number of seconds or milliseconds since the epoch")
        case .milliseconds(let ms):
            if context.endpoint == .importEvents {
                guard ms >= Double(ClientTime.importEarliestMs),
                      ms <= Double(context.nowMs + ClientTime.importFutureToleranceMs) else {
                    return refuse(index, givenInsertId, "properties.time", .timeOutOfRange,
                                  "'properties.time' is out of range: /import accepts times from 1971-01-01 up to one hour from now")
                }
                timeMs = Int64(ms)
            } else {
                timeMs = ms >= Double(context.nowMs) ? context.nowMs : Int64(ms)
            }
        }

        // distinct_id. Under Simplified ID merge the server sets it from `$user_id` or
        // `$device_id` when either is there (whatever the client sent, which is then not
        // checked: it is not kept).
        var distinctId = ""
        if let chosen = simplifiedDistinctId(special, project: project) {
            if strictRules, PlaceholderValues.contains(chosen.raw) {
                return refuse(index, givenInsertId, chosen.field, .placeholderValue,
                              "'\(chosen.field)' is the placeholder '\(chosen.raw)': send the real id")
            }
            distinctId = chosen.id
        } else {
            switch special.distinctId {
            case nil, .null?:
                if strictRules {
                    return refuse(index, givenInsertId, "properties.distinct_id", .missingField,
                                  "'properties.distinct_id' is missing: strict /import needs it (use \"\" for events without a user)")
                }
            case let value?:
                guard let id = value.idString else {
                    return refuse(index, givenInsertId, "properties.distinct_id", .invalidField,
                                  "'properties.distinct_id' must be a string or a number, not a \(value.kindName)")
                }
                if strictRules, PlaceholderValues.contains(id) {
                    return refuse(index, givenInsertId, "properties.distinct_id", .placeholderValue,
                                  "'properties.distinct_id' is the placeholder '\(id)': send the real id, or \"\" for events without a user")
                }
                distinctId = id.truncated(toUTF8Bytes: limits.stringBytesMax)
            }
        }

        // $insert_id.
        let insertId: String
        switch special.insertId {
        case nil, .null?, .string("")?:
            if strictRules {
                return refuse(index, nil, "properties.$insert_id", .missingField,
                              "'properties.$insert_id' is missing: strict /import needs a unique id per event for deduplication")
            }
            insertId = insertIds.makeInsertId()
        case .string(let id)?:
            if strictRules {
                if let problem = Self.strictInsertIdProblem(id) {
                    return refuse(index, id, "properties.$insert_id",
                                  problem.placeholder ? .placeholderValue : .invalidInsertId, problem.message)
                }
                insertId = id
            } else {
                insertId = id.truncated(toUTF8Bytes: limits.stringBytesMax)
            }
        case .number(let n)? where !strictRules:
            insertId = JSONValue.number(n).idString ?? insertIds.makeInsertId()
        case let value?:
            if strictRules {
                return refuse(index, nil, "properties.$insert_id", .invalidInsertId,
                              "'properties.$insert_id' must be a string, not a \(value.kindName)")
            }
            insertId = insertIds.makeInsertId()
        }

        return .accepted(Header(
            project: project, name: rawName.truncated(toUTF8Bytes: limits.stringBytesMax),
            distinctId: distinctId, timeMs: timeMs, insertId: insertId,
            mayHoldLinks: isIdentityCommand || special.userId != nil))
    }

    // MARK: - Rules

    /// The distinct id Simplified ID merge gives an event (spec §1.6.1): its `$user_id`, else
    /// `$device:` + its `$device_id` — each as stored in the properties (cut to the string
    /// limit), so the identity facts read from them name the same ids — with the property it
    /// came from and its value as sent. Nil when the project merges the Original way (or its
    /// mode could not be read: a rewrite cannot be undone), when the event has neither (an
    /// empty string or a non-id value counts as absent), and when a `$device:` distinct id
    /// comes with `$user_id` alone: that id stays, and the identity graph joins it to the user
    /// (the backward-compatible reading of a `$device:` id).
    mutating func simplifiedDistinctId(_ special: Special, project: ProjectID) -> (id: String, raw: String, field: String)? {
        func id(_ value: JSONValue?) -> String? {
            guard let s = value?.idString, !s.isEmpty else { return nil }
            return s
        }
        let user = id(special.userId), device = id(special.deviceId)
        guard user != nil || device != nil, projects.identityMode(of: project) == .simplified else { return nil }
        let max = context.limits.stringBytesMax
        if let user {
            if device == nil, case .string(let sent)? = special.distinctId, sent.hasPrefix(Self.devicePrefix), sent != user { return nil }
            return (user.truncated(toUTF8Bytes: max), user, "properties.$user_id")
        }
        guard let device else { return nil }
        let stored = device.truncated(toUTF8Bytes: max)
        return (stored.hasPrefix(Self.devicePrefix) ? stored : Self.devicePrefix + stored, device, "properties.$device_id")
    }

    static let devicePrefix = "$device:"

    /// Properties the validator lifts out of the bag or replaces with its own.
    enum SpecialKey {
        case token, time, distinctId, insertId, ip, ignore, serverSet
        /// Kept as ordinary properties too: they decide the distinct id under Simplified ID merge.
        case deviceId, userId

        /// The special key `key` names, or nil for an ordinary property. Checks the length
        /// first so that ordinary keys rarely pay for a string comparison.
        @inline(__always)
        init?(_ key: String) {
            switch key.utf8.count {
            case 2: if key == "ip" { self = .ip } else { return nil }
            case 3: if key == "$ip" { self = .ip } else { return nil }
            case 4: if key == "time" { self = .time } else { return nil }
            case 5: if key == "token" { self = .token } else { return nil }
            case 7:
                if key == "$ignore" { self = .ignore } else if key == "$import" { self = .serverSet } else { return nil }
            case 8: if key == "$user_id" { self = .userId } else { return nil }
            case 10:
                if key == "$insert_id" { self = .insertId } else if key == "$device_id" { self = .deviceId } else { return nil }
            case 11: if key == "distinct_id" { self = .distinctId } else { return nil }
            case 21: if key == "mp_processing_time_ms" { self = .serverSet } else { return nil }
            default: return nil
            }
        }

        /// The special key whose UTF-8 bytes are `key`, or nil.
        @inline(__always)
        init?(bytes key: UnsafeBufferPointer<UInt8>) {
            func equals(_ literal: StaticString) -> Bool {
                memcmp(key.baseAddress!, literal.utf8Start, key.count) == 0
            }
            switch key.count {
            case 2: if equals("ip") { self = .ip } else { return nil }
            case 3: if equals("$ip") { self = .ip } else { return nil }
            case 4: if equals("time") { self = .time } else { return nil }
            case 5: if equals("token") { self = .token } else { return nil }
            case 7:
                if equals("$ignore") { self = .ignore } else if equals("$import") { self = .serverSet } else { return nil }
            case 8: if equals("$user_id") { self = .userId } else { return nil }
            case 10:
                if equals("$insert_id") { self = .insertId } else if equals("$device_id") { self = .deviceId } else { return nil }
            case 11: if equals("distinct_id") { self = .distinctId } else { return nil }
            case 21: if equals("mp_processing_time_ms") { self = .serverSet } else { return nil }
            default: return nil
            }
        }
    }

    /// One pass over the properties: the first occurrence of each special property, and every
    /// other property (strings truncated) in order. Server-set properties are dropped.
    static func split(_ properties: [JSONMember], stringBytesMax: Int) -> (Special, [JSONMember]) {
        var special = Special()
        var kept: [JSONMember] = []
        kept.reserveCapacity(properties.count + 2)
        for member in properties {
            if let key = SpecialKey(member.key) {
                switch key {
                case .token: if special.token == nil { special.token = member.value }
                case .time: if special.time == nil { special.time = member.value }
                case .distinctId: if special.distinctId == nil { special.distinctId = member.value }
                case .insertId: if special.insertId == nil { special.insertId = member.value }
                case .ip: if special.ip == nil { special.ip = member.value }
                case .ignore:
                    if special.ignore == nil { special.ignore = member.value }
                    kept.append(member)
                case .deviceId, .userId:
                    if key == .deviceId { if special.deviceId == nil { special.deviceId = member.value } }
                    else if special.userId == nil { special.userId = member.value }
                    kept.append(JSONMember(member.key, member.value.truncatingStrings(toUTF8Bytes: stringBytesMax)))
                case .serverSet: break
                }
                continue
            }
            switch member.value {
            case .null, .bool, .number:
                kept.append(member)
            case .string(let s):
                if s.utf8.count > stringBytesMax {
                    kept.append(JSONMember(member.key, .string(s.truncated(toUTF8Bytes: stringBytesMax))))
                } else {
                    kept.append(member)
                }
            case .array, .object:
                kept.append(JSONMember(member.key, member.value.truncatingStrings(toUTF8Bytes: stringBytesMax)))
            }
        }
        return (special, kept)
    }

    /// `$ignore` drops an event when it is `true` or a non-empty string (spec §1.7.1).
    static func isTruthy(_ value: JSONValue?) -> Bool {
        switch value {
        case .bool(true)?: true
        case .string(let s)?: !s.isEmpty
        default: false
        }
    }

    /// Why `id` breaks the strict `$insert_id` rules, or nil.
    static func strictInsertIdProblem(_ id: String) -> (placeholder: Bool, message: String)? {
        if PlaceholderValues.contains(id) {
            return (true, "'properties.$insert_id' is the placeholder '\(id)': send a unique id per event")
        }
        guard id.utf8.count <= 36 else {
            return (false, "'properties.$insert_id' is \(id.utf8.count) bytes; it may be at most 36")
        }
        for b in id.utf8 {
            let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
            if !ok {
                return (false, "'properties.$insert_id' may hold only letters A-Z a-z, digits and '-'")
            }
        }
        return nil
    }

    func fail(
        _ index: Int, _ insertId: String?, _ field: String, _ code: IngestError.Code, _ message: String
    ) -> Outcome {
        .failed(RecordFailure(index: index, insertId: insertId, field: field, code: code, message: message))
    }

    func refuse(
        _ index: Int, _ insertId: String?, _ field: String, _ code: IngestError.Code, _ message: String
    ) -> Decision {
        .failed(RecordFailure(index: index, insertId: insertId, field: field, code: code, message: message))
    }
}
