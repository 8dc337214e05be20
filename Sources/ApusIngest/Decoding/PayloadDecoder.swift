// HTTP ingestion request → records + flags, for every transport the SDKs use (spec §1.1):
// form body with raw or base64 `data` (A, B, E: any Content-Type, incl. sendBeacon's
// text/plain), `data` in the query string (C), raw JSON or NDJSON bodies (D, F), each
// optionally gzip/deflate compressed. All endpoints accept all of them.

import ApusModel

/// Decodes the payload of an ingestion request.
package enum PayloadDecoder {
    /// The records, flags and form fields of `request`.
    ///
    /// Order of precedence: a body's payload beats the query string's `data`; form-body flags
    /// and fields beat query-string ones. A GET request's body is ignored.
    /// - Throws: `IngestError` with code `no_data`, `payload_too_large`, `too_many_records`,
    ///   `invalid_json`, `invalid_base64`, `invalid_payload`, `invalid_compression` or
    ///   `unsupported_encoding`.
    package static func decode(_ request: IngestRequest, limits: IngestLimits = .standard) throws(IngestError) -> DecodedPayload {
        try locate(request, limits: limits).parse(limits: limits)
    }

    /// The first stage of `decode`: the payload bytes and where each record is, with every
    /// request-level limit checked. Payloads up to `onePassBytesMax` (at most, and by default,
    /// `recordBytesMax`) are parsed in the same pass; larger ones only scanned.
    package static func locate(
        _ request: IngestRequest, limits: IngestLimits = .standard, onePassBytesMax: Int? = nil
    ) throws(IngestError) -> LocatedPayload {
        try locate(extract(request, limits: limits), limits: limits, onePassBytesMax: onePassBytesMax)
    }

    /// The second stage of `locate`: where each record of an extracted payload is.
    package static func locate(
        _ extracted: ExtractedPayload, limits: IngestLimits = .standard, onePassBytesMax: Int? = nil
    ) throws(IngestError) -> LocatedPayload {
        let onePass = min(onePassBytesMax ?? limits.recordBytesMax, limits.recordBytesMax)
        let (records, layout) = try findRecords(in: extracted.payload, limits: limits, onePassBytesMax: onePass,
                                                origin: extracted.origin)
        return LocatedPayload(
            flags: extracted.flags, formFields: extracted.formFields, uncompressedBytes: extracted.uncompressedBytes,
            payload: extracted.payload, layout: layout, origin: extracted.origin, parsedRecords: records)
    }

    /// The first stage of `locate`: the payload's JSON text (inflated, form- and base64-decoded),
    /// the flags and the other fields, with the request's size limit checked.
    package static func extract(_ request: IngestRequest, limits: IngestLimits = .standard) throws(IngestError) -> ExtractedPayload {
        var flags = IngestFlags.defaults(for: request.endpoint)
        var formFields: [String: String] = [:]

        let queryBytes = request.query.utf8.count
        guard queryBytes <= limits.requestBytesMax else { throw tooLarge(limits) }
        let query = FormFields(parsing: request.query)
        for field in query.fields where !flags.apply(name: field.name, value: field.value) {
            formFields[field.name] = field.value
        }

        var body = request.method == .get ? [] : request.body
        if !body.isEmpty {
            body = try inflate(body, encoding: request.contentEncoding, limits: limits)
        }
        guard body.count <= limits.requestBytesMax else { throw tooLarge(limits) }

        var payload: [UInt8]?
        var origin = "body"
        switch BodyKind(body, contentType: request.contentType) {
        case .empty:
            break
        case .json:
            payload = body
        case .form:
            let form = body.withUnsafeBufferPointer { FormFields(parsing: $0) }
            for field in form.fields where !flags.apply(name: field.name, value: field.value) {
                formFields[field.name] = field.value
            }
            if let data = form.data {
                payload = try dataPayload(data)
                origin = "data field"
            }
        }
        var uncompressedBytes = body.count
        if payload == nil, let data = query.data {
            payload = try dataPayload(data)
            origin = "data field"
            uncompressedBytes = queryBytes
        }
        guard let payload else {
            throw IngestError(
                .noData,
                "the request has no data; send events as a JSON body or as a `data` form or query field",
                field: "data")
        }
        return ExtractedPayload(
            flags: flags, formFields: formFields, uncompressedBytes: uncompressedBytes, payload: payload, origin: origin)
    }

    /// The records' layout; for a payload no larger than one record may be, the records too.
    static func findRecords(
        in payload: [UInt8], limits: IngestLimits, onePassBytesMax: Int, origin: String
    ) throws(IngestError) -> ([JSONValue]?, RecordLayout) {
        do throws(RecordScanStop) {
            return try payload.withUnsafeBufferPointer { (buffer) throws(RecordScanStop) -> ([JSONValue]?, RecordLayout) in
                if buffer.count <= onePassBytesMax {
                    return try RecordParser.parse(buffer, depthMax: limits.jsonDepthMax, recordsMax: limits.batchRecordsMax)
                }
                return (nil, try RecordScanner.scan(buffer, depthMax: limits.jsonDepthMax, recordsMax: limits.batchRecordsMax,
                                                    recordBytesMax: limits.recordBytesMax))
            }
        } catch {
            switch error {
            case .empty:
                throw IngestError(.noData, "the \(origin) holds no JSON; send an event object or an array of events")
            case .invalid(let offset, let message):
                throw IngestError(.invalidJSON, "the \(origin) is not valid JSON: \(message) (at byte \(offset))")
            case .tooDeep(let offset):
                throw IngestError(
                    .invalidJSON, "the \(origin) is not valid JSON: objects and arrays nest more than "
                        + "\(limits.jsonDepthMax) levels deep; flatten the data (at byte \(offset))")
            case .notObject(let kind):
                throw IngestError(
                    .invalidPayload,
                    "the \(origin) is a JSON \(kind), not an object or an array of objects; "
                        + "send {\"event\": …, \"properties\": {…}} or a list of those")
            case .tooManyRecords:
                throw IngestError(
                    .tooManyRecords,
                    "the request holds more than \(limits.batchRecordsMax) records; "
                        + "send at most \(limits.batchRecordsMax) per request")
            }
        }
    }

    /// The JSON bytes of a `data` form value (still percent-encoded): its percent-decoding when
    /// that starts with `{` or `[`, else the base64 decoding of it.
    static func dataPayload(_ data: [UInt8]) throws(IngestError) -> [UInt8] {
        try data.withUnsafeBufferPointer { (raw) throws(IngestError) -> [UInt8] in
            guard let first = firstSignificantByte(raw) else {
                throw IngestError(.noData, "the `data` field is empty; put the events' JSON (or its base64) in it",
                                  field: "data")
            }
            if first == .openBrace || first == .openBracket { return PercentDecoding.decode(raw) }
            guard let decoded = Base64Decoding.decode(raw, percentEncoded: true) else {
                throw IngestError(
                    .invalidBase64,
                    "the `data` field is neither JSON nor base64; send JSON text, or base64 of its UTF-8 bytes, "
                        + "URL-encoded", field: "data")
            }
            return decoded
        }
    }

    /// The first byte of a form value, after percent-decoding, that is not whitespace.
    static func firstSignificantByte(_ raw: UnsafeBufferPointer<UInt8>) -> UInt8? {
        var i = 0
        while i < raw.count {
            var byte = raw[i]
            var width = 1
            if byte == .plus {
                byte = .space
            } else if byte == .percent, i + 2 < raw.count,
                      let hi = PercentDecoding.hexValue(raw[i + 1]), let lo = PercentDecoding.hexValue(raw[i + 2]) {
                byte = hi << 4 | lo
                width = 3
            }
            if !byte.isJSONWhitespace { return byte }
            i += width
        }
        return nil
    }

    static func inflate(_ body: [UInt8], encoding: String?, limits: IngestLimits) throws(IngestError) -> [UInt8] {
        let name = (encoding ?? "").trimmingSpaces.lowercased()
        switch name {
        case "", "identity":
            return body
        case "gzip", "x-gzip":
            // A proxy may have inflated the body already and left the header: accept plain bodies.
            guard BodyInflater.looksLikeGzip(body) || BodyInflater.looksLikeZlib(body) else { return body }
            return try BodyInflater.inflate(body, format: .gzip, outputBytesMax: limits.requestBytesMax)
        case "deflate":
            return try BodyInflater.inflate(body, format: .deflate, outputBytesMax: limits.requestBytesMax)
        default:
            throw IngestError(
                .unsupportedEncoding,
                "Content-Encoding '\(encoding ?? "")' is not supported; send the body uncompressed, gzip or deflate")
        }
    }

    static func tooLarge(_ limits: IngestLimits) -> IngestError {
        IngestError(
            .payloadTooLarge,
            "the request is larger than \(limits.requestBytesMax) bytes uncompressed; split it into smaller requests")
    }
}
