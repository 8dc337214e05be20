// Target `payload`: a whole ingestion request through `PayloadDecoder`, then event and
// profile validation, as the server runs them.
//
// Input layout (Fuzz/README.md): byte 0 picks the shape of the request, byte 1 its encoding
// and context, byte 2 the query string's length; the query string and the body follow.
//   byte 0: bits 0-1 endpoint (track, engage, groups, import); bits 2-4 Content-Type (see
//           `contentTypes`); bit 5 GET; bits 6-7 how the body bytes are wrapped (`BodyWrap`)
//   byte 1: bits 0-2 Content-Encoding (see `contentEncodings`); bit 3 compress the body as
//           declared (gzip unless the header says deflate); bit 4 raw deflate instead of
//           zlib-wrapped; bit 5 tight limits; bit 6 an authenticated project; bit 7 geolocation
// The wraps and compression let mutations of plain JSON reach the parser through every
// transport; unwrapped bodies fuzz the form, base64 and inflate layers themselves.
//
// Invariants: one-pass decoding (RecordParser) and scanned decoding (RecordScanner, forced
// with `onePassBytesMax: 0`) accept the same payloads with the same records; only the
// documented error codes; record ranges inside the payload, ordered, disjoint and trimmed; one
// record (or a `.null` placeholder when oversized) per range; every record accepted, failed or
// ignored exactly once; accepted events and profile updates within the limits (strings
// truncated, times in range, server-set properties present once, no token, time, ids or IP
// left among the properties).

import ApusIngest
import ApusModel

enum PayloadFuzzer {
    static let contentTypes: [String?] = [
        nil, "application/x-www-form-urlencoded", "application/json", "text/plain;charset=UTF-8",
        "application/x-ndjson", "application/json; charset=utf-8", "application/vnd.api+json", "multipart/form-data",
    ]
    static let contentEncodings: [String?] = [nil, "identity", "gzip", "deflate", "x-gzip", " GZip ", "br", ""]

    /// How the body bytes from the input become the request body (before compression).
    enum BodyWrap: UInt8 {
        /// As they are.
        case raw
        /// `data=` + percent-encoded standard base64 (mixpanel-js).
        case base64Form
        /// `data=` + URL-safe base64 without padding, split into 76-character lines.
        case base64URLForm
        /// `data=` + percent-encoded bytes (the Python SDK's form body).
        case jsonForm

        func apply(to bytes: [UInt8]) -> [UInt8] {
            let data = Array("data=".utf8)
            switch self {
            case .raw: return bytes
            case .base64Form: return data + WireEncoding.percentEncoded(WireEncoding.base64(bytes))
            case .base64URLForm:
                return data + WireEncoding.percentEncoded(WireEncoding.base64(bytes, urlSafe: true, padded: false, lineLength: 76))
            case .jsonForm: return data + WireEncoding.percentEncoded(bytes)
            }
        }
    }

    /// The receive time every context uses (2025-06-15).
    static let nowMs: Int64 = 1_750_000_000_000
    /// /import's earliest time (1971-01-01) and future tolerance (one hour).
    static let importEarliestMs: Int64 = 31_536_000_000
    static let importFutureToleranceMs: Int64 = 3_600_000

    /// Small limits, so inputs of a few hundred bytes reach every "over the limit" path.
    static let tightLimits = IngestLimits(
        requestBytesMax: 4096, batchRecordsMax: 4, recordBytesMax: 256, propertiesMax: 6,
        profileOperationKeysMax: 4, stringBytesMax: 8, jsonDepthMax: 6)
    /// Mixpanel's limits, but 1 MB per request so compressed bombs stay cheap to run.
    static let standardLimits = IngestLimits(requestBytesMax: 1024 * 1024)

    static let requestErrors: Set<IngestError.Code> = [
        .noData, .payloadTooLarge, .tooManyRecords, .invalidJSON, .invalidBase64, .invalidPayload,
        .invalidCompression, .unsupportedEncoding,
    ]
    static let recordErrors: Set<String> = [
        "record_not_object", "record_too_large", "missing_field", "invalid_field", "invalid_token",
        "token_project_mismatch", "invalid_time", "time_out_of_range", "placeholder_value", "invalid_insert_id",
        "too_many_properties", "missing_operation", "multiple_operations", "unsupported_operation",
    ]

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let shape = input.byte(), options = input.byte(), queryLength = Int(input.byte())
        let endpoint = IngestEndpoint.allCases[Int(shape & 3)]
        let encoding = contentEncodings[Int(options & 7)]
        let limits = options & 0x20 != 0 ? tightLimits : standardLimits
        let query = String(decoding: input.take(queryLength), as: UTF8.self)
        var body = BodyWrap(rawValue: shape >> 6)!.apply(to: input.rest())
        if options & 0x08 != 0 {
            body = encoding == "deflate"
                ? WireEncoding.deflate(body, zlibWrapped: options & 0x10 == 0)
                : WireEncoding.gzip(body)
        }
        let request = IngestRequest(
            endpoint: endpoint, method: shape & 0x20 != 0 ? .get : .post, body: body,
            contentType: contentTypes[Int(shape >> 2 & 7)], contentEncoding: encoding, query: query)

        // Small payloads are parsed while their records are found (RecordParser); larger ones
        // are scanned first (RecordScanner). Both paths run here and must agree.
        let onePass = decode(request, limits: limits, onePassBytesMax: nil)
        let scanned = decode(request, limits: limits, onePassBytesMax: 0)
        let payload: DecodedPayload
        switch (onePass, scanned) {
        case (.success(let a), .success(let b)):
            require(a.located.layout.ranges == b.located.layout.ranges, "record ranges differ between one-pass and scanned decoding")
            require(a.payload.records == b.payload.records, "records differ between one-pass and scanned decoding")
            payload = a.payload
        case (.success, .failure(let error)):
            fatalError("invariant violated: only the scanned decoding refused the payload: \(error)")
        case (.failure(let error), .success):
            fatalError("invariant violated: only the one-pass decoding refused the payload: \(error)")
        case (.failure, .failure):
            return // the codes may differ: a scan stops at the first refusal of several
        }
        let context = EventValidationContext(
            endpoint: endpoint == .importEvents ? .importEvents : .track, strict: payload.flags.strict, nowMs: nowMs,
            authenticatedProject: options & 0x40 != 0 ? 1 : nil, resolveToken: resolveToken, limits: limits,
            requestIP: "203.0.113.7", useRequestIP: payload.flags.ip, insertIdSeed: 7,
            geoLocator: options & 0x80 != 0 ? FixedLocator() : nil)
        checkEvents(EventValidator.validate(payload, context: context), payload: payload, context: context)

        var profileContext = context
        profileContext.endpoint = endpoint == .groups ? .groups : .engage
        checkProfiles(ProfileValidator.validate(payload, context: profileContext), payload: payload, context: profileContext)
    }

    /// Tokens starting with `bad` are unknown; `other…` names project 2; anything else project 1.
    @Sendable static func resolveToken(_ token: String) -> ProjectID? {
        if token.hasPrefix("bad") { return nil }
        return token.hasPrefix("other") ? 2 : 1
    }

    /// A geolocator that knows every address but `10.…`.
    struct FixedLocator: GeoLocator {
        func locate(ip: String) -> GeoLocation? {
            ip.hasPrefix("10.") ? nil : GeoLocation(city: "Lisbon", region: "Lisboa", countryCode: "PT")
        }
    }

    /// Locates and parses the records of `request`, checking the layout and the records.
    static func decode(
        _ request: IngestRequest, limits: IngestLimits, onePassBytesMax: Int?
    ) -> Result<(located: LocatedPayload, payload: DecodedPayload), IngestError> {
        let located: LocatedPayload
        do {
            located = try PayloadDecoder.locate(request, limits: limits, onePassBytesMax: onePassBytesMax)
        } catch {
            require(requestErrors.contains(error.code), "undocumented request error \(error)")
            return .failure(error)
        }
        checkLayout(located, limits: limits)
        do {
            let payload = try located.parse(limits: limits)
            checkRecords(payload, located: located, limits: limits)
            return .success((located, payload))
        } catch {
            require(error.code == .invalidJSON, "parsing located records failed with \(error)")
            return .failure(error)
        }
    }

    // MARK: - Invariants

    static func checkLayout(_ located: LocatedPayload, limits: IngestLimits) {
        let payload = located.payload
        let ranges = located.layout.ranges
        require(payload.count <= limits.requestBytesMax, "a \(payload.count)-byte payload passed the request limit")
        require(ranges.count <= limits.batchRecordsMax, "\(ranges.count) records passed the batch limit")
        require((0 ... payload.count).contains(located.layout.structuralBytes), "structural byte count out of range")
        var previousEnd = 0
        for range in ranges {
            require(range.lowerBound >= previousEnd, "record ranges overlap or are out of order: \(ranges)")
            require(!range.isEmpty, "an empty record range: \(ranges)")
            require(range.upperBound <= payload.count, "a record range \(range) past the payload's \(payload.count) bytes")
            require(!payload[range.lowerBound].isJSONWhitespace && !payload[range.upperBound - 1].isJSONWhitespace,
                    "a record range \(range) is not trimmed")
            previousEnd = range.upperBound
        }
    }

    static func checkRecords(_ payload: DecodedPayload, located: LocatedPayload, limits: IngestLimits) {
        let ranges = located.layout.ranges
        require(payload.records.count == ranges.count, "\(payload.records.count) records from \(ranges.count) ranges")
        require(payload.recordByteCounts == ranges.map(\.count), "record byte counts differ from the ranges")
        require(payload.uncompressedBytes <= limits.requestBytesMax, "uncompressed size past the request limit")
        for (record, range) in zip(payload.records, ranges) where range.count > limits.recordBytesMax {
            require(record == .null, "an oversized record was parsed")
        }
    }

    static func checkEvents(_ result: EventBatchResult, payload: DecodedPayload, context: EventValidationContext) {
        let limits = context.limits
        require(result.accepted.count + result.failures.count + result.ignored == payload.records.count,
                "events: \(result.accepted.count) accepted + \(result.failures.count) failed + \(result.ignored) ignored "
                    + "of \(payload.records.count) records")
        checkIndices(result.accepted.map(\.index), result.failures, count: payload.records.count)
        let isImport = context.endpoint == .importEvents
        let strict = isImport && context.strict
        for accepted in result.accepted {
            let event = accepted.event
            require(context.authenticatedProject.map { accepted.project == $0 } ?? (accepted.project == 1 || accepted.project == 2),
                    "event in project \(accepted.project)")
            require(!event.name.isEmpty && event.name.utf8.count <= limits.stringBytesMax, "event name \(event.name.debugDescription)")
            require(event.distinctId.utf8.count <= limits.stringBytesMax, "distinct_id \(event.distinctId.debugDescription)")
            require(!event.insertId.isEmpty && event.insertId.utf8.count <= max(limits.stringBytesMax, 32),
                    "$insert_id \(event.insertId.debugDescription)")
            // Identity commands skip the strict rules; `name` may be a truncated one.
            let mayBeIdentityCommand = ["$merge", "$identify", "$create_alias"].contains { $0.utf8.starts(with: event.name.utf8) }
            if strict && !mayBeIdentityCommand {
                require(event.insertId.utf8.count <= 36
                    && event.insertId.utf8.allSatisfy { $0 == .minus || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= .digit0 && $0 <= .digit9) },
                    "strict $insert_id \(event.insertId.debugDescription)")
            }
            if isImport {
                require(event.timeMs >= importEarliestMs && event.timeMs <= context.nowMs + importFutureToleranceMs,
                        "/import time \(event.timeMs)")
            } else {
                require(event.timeMs >= 0 && event.timeMs <= context.nowMs, "/track time \(event.timeMs)")
            }
            let keys = event.properties.map(\.key)
            for lifted in ["token", "time", "distinct_id", "$insert_id", "ip", "$ip"] {
                require(!keys.contains(lifted), "'\(lifted)' left among the properties")
            }
            require(keys.filter { $0 == "mp_processing_time_ms" }.count == 1, "mp_processing_time_ms not set exactly once")
            require(keys.filter { $0 == "$import" }.count == (isImport ? 1 : 0), "$import set wrongly")
            require(event.properties.count <= limits.propertiesMax + 5, "\(event.properties.count) properties")
            for member in event.properties {
                require(longestString(in: member.value) <= limits.stringBytesMax, "property '\(member.key)' not truncated")
            }
        }
        for failure in result.failures {
            require(recordErrors.contains(failure.code) && !failure.field.isEmpty && !failure.message.isEmpty,
                    "event failure \(failure)")
        }
    }

    static func checkProfiles(_ result: ProfileBatchResult, payload: DecodedPayload, context: EventValidationContext) {
        let limits = context.limits
        require(result.accepted.count + result.failures.count == payload.records.count,
                "profiles: \(result.accepted.count) accepted + \(result.failures.count) failed of \(payload.records.count)")
        checkIndices(result.accepted.map(\.index), result.failures, count: payload.records.count)
        for update in result.accepted {
            switch update.kind {
            case .user:
                require(context.endpoint == .engage, "a user update from /\(context.endpoint.rawValue)")
                require(!update.distinctId.isEmpty && update.distinctId.utf8.count <= limits.stringBytesMax,
                        "$distinct_id \(update.distinctId.debugDescription)")
            case .group:
                require(context.endpoint == .groups, "a group update from /\(context.endpoint.rawValue)")
                require(!update.groupKey.isEmpty && update.groupKey.utf8.count <= limits.stringBytesMax,
                        "$group_key \(update.groupKey.debugDescription)")
                require(!update.groupId.isEmpty && update.groupId.utf8.count <= limits.stringBytesMax,
                        "$group_id \(update.groupId.debugDescription)")
            }
            require(update.operationValue != nil, "operation \(update.operation) missing from the record")
            require(update.timeMs >= 0 && update.timeMs <= context.nowMs, "profile time \(update.timeMs)")
            guard case .object(let members) = update.record else {
                fatalError("invariant violated: an accepted profile record is not an object")
            }
            require(!members.contains { $0.key == "$token" || $0.key == "$ip" }, "$token or $ip kept in a profile update")
            require(longestString(in: update.record) <= limits.stringBytesMax, "profile strings not truncated")
        }
        for failure in result.failures {
            require(recordErrors.contains(failure.code) && !failure.field.isEmpty && !failure.message.isEmpty,
                    "profile failure \(failure)")
        }
    }

    /// Accepted and failed indices are each increasing, disjoint, and inside the batch.
    static func checkIndices(_ accepted: [Int], _ failures: [RecordFailure], count: Int) {
        let failed = failures.map(\.index)
        for list in [accepted, failed] {
            require(zip(list, list.dropFirst()).allSatisfy { $0 < $1 }, "indices out of order: \(list)")
            require(list.allSatisfy { (0 ..< count).contains($0) }, "an index outside the batch: \(list)")
        }
        require(Set(accepted).isDisjoint(with: failed), "a record both accepted and failed")
    }

    /// The longest string value (not key) inside `value`, in UTF-8 bytes.
    static func longestString(in value: JSONValue) -> Int {
        switch value {
        case .string(let s): s.utf8.count
        case .array(let elements): elements.map(longestString(in:)).max() ?? 0
        case .object(let members): members.map { longestString(in: $0.value) }.max() ?? 0
        case .null, .bool, .number: 0
        }
    }
}
