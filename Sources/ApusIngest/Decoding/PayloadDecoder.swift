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
        let (records, byteCounts) = try RecordSplitter.split(payload, limits: limits, origin: origin)
        return DecodedPayload(
            flags: flags, records: records, recordByteCounts: byteCounts,
            formFields: formFields, uncompressedBytes: uncompressedBytes)
    }

    /// The JSON bytes of a `data` value: itself when it looks like JSON, else its base64 decoding.
    static func dataPayload(_ data: [UInt8]) throws(IngestError) -> [UInt8] {
        guard let first = data.first(where: { !$0.isJSONWhitespace }) else {
            throw IngestError(.noData, "the `data` field is empty; put the events' JSON (or its base64) in it",
                              field: "data")
        }
        if first == .openBrace || first == .openBracket { return data }
        guard let decoded = data.withUnsafeBufferPointer({ Base64Decoding.decode($0) }) else {
            throw IngestError(
                .invalidBase64,
                "the `data` field is neither JSON nor base64; send JSON text, or base64 of its UTF-8 bytes, "
                    + "URL-encoded", field: "data")
        }
        return decoded
    }

    static func inflate(_ body: [UInt8], encoding: String?, limits: IngestLimits) throws(IngestError) -> [UInt8] {
        let name = (encoding ?? "").trimmed.lowercased()
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
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { String($0).trimmed.lowercased() } ?? ""
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

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
