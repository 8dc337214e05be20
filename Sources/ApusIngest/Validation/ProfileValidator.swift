// Profile update records (/engage, /groups; spec §1.4, §1.5) → `ProfileUpdate`s, one
// `RecordFailure` per bad record naming its index and field. Rules, in order: the record is an
// object within `recordBytesMax`; `$token` names a project (or the request is authenticated);
// /engage needs `$distinct_id`, /groups `$group_key` and `$group_id` (strings or numbers, not
// empty); exactly one operation key the endpoint supports, with a value of the right shape;
// `$time`, if given, is seconds or milliseconds (absent: receive time; future: clamped to now).

import ApusModel

/// Validates profile update records.
package enum ProfileValidator {
    /// Validates `records` arriving on `context.endpoint` (`.engage` or `.groups`; records on
    /// other endpoints are all refused). Takes the same context as event validation.
    /// - Parameter recordByteCounts: each record's JSON size, parallel to `records`; when nil,
    ///   sizes are measured by serialising each record.
    package static func validate(
        _ records: [JSONValue], recordByteCounts: [Int]? = nil, context: EventValidationContext
    ) -> ProfileBatchResult {
        var projects = ProjectResolver(context)
        var result = ProfileBatchResult()
        result.accepted.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let byteCount = recordByteCounts.flatMap { index < $0.count ? $0[index] : nil }
            switch validate(record, index: index, byteCount: byteCount, context: context, projects: &projects) {
            case .accepted(let update): result.accepted.append(update)
            case .failed(let failure): result.failures.append(failure)
            }
        }
        return result
    }

    /// Validates the records of a decoded payload, using the sizes the decoder measured.
    package static func validate(_ payload: DecodedPayload, context: EventValidationContext) -> ProfileBatchResult {
        validate(payload.records, recordByteCounts: payload.recordByteCounts, context: context)
    }

    enum Outcome {
        case accepted(ProfileUpdate)
        case failed(RecordFailure)
    }

    static func validate(
        _ record: JSONValue, index: Int, byteCount: Int?, context: EventValidationContext,
        projects: inout ProjectResolver
    ) -> Outcome {
        func fail(_ field: String, _ code: IngestError.Code, _ message: String) -> Outcome {
            .failed(RecordFailure(index: index, field: field, code: code, message: message))
        }
        let limits = context.limits
        guard context.endpoint == .engage || context.endpoint == .groups else {
            return fail("record", .unsupportedOperation,
                        "profile updates go to /engage (users) or /groups (groups), not /\(context.endpoint.rawValue)")
        }
        // Size first: a record over the limit was never parsed (PayloadDecoder leaves it null).
        let size = byteCount ?? JSONWriter.bytes(record).count
        guard size <= limits.recordBytesMax else {
            return fail("record", .recordTooLarge,
                        "record \(index) is \(size) bytes of JSON; a profile update may be at most \(limits.recordBytesMax) bytes")
        }
        guard case .object(let members) = record else {
            return fail("record", .recordNotObject,
                        "record \(index) is a JSON \(record.kindName); send an object such as {\"$token\": …, \"$distinct_id\": …, \"$set\": {…}}")
        }

        let project: ProjectID
        switch projects.resolve(members[key: "$token"], field: "$token") {
        case .success(let p): project = p
        case .failure(let failure): return fail("$token", failure.code, failure.message)
        }

        var distinctId = ""
        var groupKey = ""
        var groupId = ""
        let kind: ProfileUpdate.Kind
        if context.endpoint == .engage {
            kind = .user
            switch requiredId(members[key: "$distinct_id"], field: "$distinct_id") {
            case .success(let id): distinctId = id.truncated(toUTF8Bytes: limits.stringBytesMax)
            case .failure(let problem): return fail("$distinct_id", problem.code, problem.message)
            }
        } else {
            kind = .group
            guard case .string(let key)? = members[key: "$group_key"], !key.isEmpty else {
                let value = members[key: "$group_key"]
                return fail("$group_key", value == nil ? .missingField : .invalidField,
                            "'$group_key' \(value == nil ? "is missing" : "must be a non-empty string"): "
                                + "name the group property, e.g. \"company\"")
            }
            groupKey = key.truncated(toUTF8Bytes: limits.stringBytesMax)
            switch requiredId(members[key: "$group_id"], field: "$group_id") {
            case .success(let id): groupId = id.truncated(toUTF8Bytes: limits.stringBytesMax)
            case .failure(let problem): return fail("$group_id", problem.code, problem.message)
            }
        }

        var operation: ProfileOperation?
        for member in members {
            guard member.key.utf8.first == 0x24, let op = ProfileOperation(rawValue: member.key) else { continue }
            guard op.isSupported(on: context.endpoint) else {
                return fail(op.rawValue, .unsupportedOperation,
                            "'\(op.rawValue)' is not supported on /\(context.endpoint.rawValue); use "
                                + ProfileOperation.allCases.filter { $0.isSupported(on: context.endpoint) }
                                .map(\.rawValue).joined(separator: ", "))
            }
            if let first = operation {
                return fail(op.rawValue, .multipleOperations,
                            "the record has both '\(first.rawValue)' and '\(op.rawValue)'; send one operation per record")
            }
            if let problem = op.problem(with: member.value, keysMax: limits.profileOperationKeysMax) {
                return fail(problem.field, .invalidField, problem.message)
            }
            operation = op
        }
        guard let operation else {
            return fail("operation", .missingOperation,
                        "the record has no operation; add one of "
                            + ProfileOperation.allCases.filter { $0.isSupported(on: context.endpoint) }
                            .map(\.rawValue).joined(separator: ", "))
        }

        let timeMs: Int64
        switch ClientTime.read(members[key: "$time"]) {
        case .missing:
            timeMs = context.nowMs
        case .invalid:
            return fail("$time", .invalidTime,
                        "'$time' is invalid: must be a non-negative number of seconds or milliseconds since the epoch")
        case .milliseconds(let ms):
            timeMs = ms >= Double(context.nowMs) ? context.nowMs : Int64(ms)
        }

        var kept: [JSONMember] = []
        kept.reserveCapacity(members.count)
        // The stored update carries what the profile store needs resolved: the profile's id as
        // text and the update's time in ms (so applying it never re-reads client formats).
        // (`$geo` is the server's: a client's own is dropped.)
        for member in members where !["$token", "$ip", "$time", "$geo"].contains(member.key) {
            switch member.key {
            case "$distinct_id" where kind == .user: kept.append(JSONMember("$distinct_id", .string(distinctId)))
            case "$group_id" where kind == .group: kept.append(JSONMember("$group_id", .string(groupId)))
            case "$group_key" where kind == .group: kept.append(JSONMember("$group_key", .string(groupKey)))
            default: kept.append(JSONMember(member.key, member.value.truncatingStrings(toUTF8Bytes: limits.stringBytesMax)))
            }
        }
        kept.append(JSONMember("$time", .number(Double(timeMs))))
        // Where the update came from (`$ip`, else the request's address with ip=1), as
        // `$geo` {"$city", "$region", "$country_code"}; the profile store sets those unless
        // the update sets them itself. The address itself is not kept.
        if let geo = context.geoLocator, let ip = EventEnricher(context).ipToLocate(members[key: "$ip"]),
           let location = geo.locate(ip: ip) {
            let parts = [("$city", location.city), ("$region", location.region), ("$country_code", location.countryCode)]
            kept.append(JSONMember("$geo", .object(parts.compactMap { k, v in v.map { JSONMember(k, .string($0)) } })))
        }
        return .accepted(ProfileUpdate(
            index: index, kind: kind, project: project, distinctId: distinctId, groupKey: groupKey,
            groupId: groupId, operation: operation.rawValue, timeMs: timeMs, record: .object(kept)))
    }

    /// A required, non-empty string-or-number id.
    static func requiredId(_ value: JSONValue?, field: String) -> Result<String, ProjectResolver.Failure> {
        guard let value, value != .null else {
            return .failure(.init(code: .missingField, message: "'\(field)' is missing: say whose profile to update"))
        }
        guard let id = value.idString else {
            return .failure(.init(code: .invalidField, message: "'\(field)' must be a string or a number, not a \(value.kindName)"))
        }
        guard !id.isEmpty else {
            return .failure(.init(code: .missingField, message: "'\(field)' is empty: say whose profile to update"))
        }
        return .success(id)
    }
}
