// Body transports (spec §1.1 D, F): raw JSON, NDJSON, gzip and deflate, and the request-wide
// limits and errors.

import ApusIngest
import ApusModel
import CZlib
import Foundation
import Testing

struct PayloadDecoderBodyTests {
    /// Swift SDK style: a raw JSON array body.
    @Test func decodesARawJSONArrayBody() throws {
        let body = "[" + Wire.event("A") + "," + Wire.event("B") + "]"
        let payload = try PayloadDecoder.decode(Wire.post(body: body, contentType: "application/json"))
        #expect(payload.records.count == 2)
        #expect(payload.recordByteCounts == [Wire.event("A").utf8.count, Wire.event("B").utf8.count])
    }

    /// A single raw object is one record, even with a form Content-Type.
    @Test func decodesASingleRawObjectWhateverTheContentType() throws {
        for contentType in ["application/json", "application/x-www-form-urlencoded", "text/plain", nil] {
            let payload = try PayloadDecoder.decode(Wire.post(body: "  \n" + Wire.event(), contentType: contentType))
            #expect(payload.records.count == 1)
        }
    }

    /// /import NDJSON: one record per line; blank lines and CRLF are fine.
    @Test func decodesNDJSONBodies() throws {
        let body = Wire.event("A") + "\r\n" + Wire.event("B") + "\n\n" + Wire.event("C") + "\n"
        let payload = try PayloadDecoder.decode(Wire.post(.importEvents, body: body, contentType: "application/x-ndjson"))
        #expect(payload.records.map { $0["event"] } == [.string("A"), .string("B"), .string("C")])
        #expect(payload.recordByteCounts == [Wire.event("A").utf8.count, Wire.event("B").utf8.count, Wire.event("C").utf8.count])
    }

    /// Several top-level values on lines are accepted on any endpoint; arrays among them are flattened.
    @Test func decodesLineSeparatedValuesOnEveryEndpoint() throws {
        let body = Wire.event("A") + "\n[" + Wire.event("B") + "," + Wire.event("C") + "]\n"
        let payload = try PayloadDecoder.decode(Wire.post(.track, body: body, contentType: "application/json"))
        #expect(payload.records.count == 3)
    }

    /// Content-Encoding: gzip is inflated (Swift SDK, /import).
    @Test func inflatesGzipBodies() throws {
        let body = "[" + Array(repeating: Wire.event(), count: 50).joined(separator: ",") + "]"
        let gzipped = GzipCompressor.compress(Array(body.utf8))
        #expect(gzipped.count < body.utf8.count)
        let request = IngestRequest(endpoint: .importEvents, method: .post, body: gzipped,
                                    contentType: "application/json", contentEncoding: "gzip")
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 50)
        #expect(payload.uncompressedBytes == body.utf8.count)
    }

    /// A gzipped form body is inflated before form decoding.
    @Test func inflatesGzipFormBodies() throws {
        let body = "data=" + Wire.uriComponent(Wire.base64(Wire.event())) + "&verbose=1"
        let request = IngestRequest(endpoint: .track, body: GzipCompressor.compress(Array(body.utf8)),
                                    contentType: "application/x-www-form-urlencoded", contentEncoding: "GZIP")
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 1)
        #expect(payload.flags.verbose == 1)
    }

    /// Two gzip members back to back inflate to their concatenation.
    @Test func inflatesMultiMemberGzip() throws {
        let first = GzipCompressor.compress(Array(Wire.event("A").utf8))
        let second = GzipCompressor.compress(Array(("\n" + Wire.event("B")).utf8))
        let request = IngestRequest(endpoint: .importEvents, body: first + second, contentEncoding: "gzip")
        #expect(try PayloadDecoder.decode(request).records.count == 2)
    }

    /// Content-Encoding: deflate accepts zlib-wrapped and raw deflate streams.
    @Test func inflatesDeflateBodiesWithOrWithoutZlibHeader() throws {
        let body = Array(("[" + Wire.event() + "]").utf8)
        for windowBits: Int32 in [15, -15] {
            let compressed = deflate(body, windowBits: windowBits)
            let request = IngestRequest(endpoint: .track, body: compressed, contentEncoding: "deflate")
            #expect(try PayloadDecoder.decode(request).records.count == 1)
        }
    }

    /// A body labelled gzip that is plainly not compressed (a proxy inflated it) is read as is.
    @Test func readsPlainBodiesMislabelledAsGzip() throws {
        let request = Wire.post(body: "[" + Wire.event() + "]", contentType: "application/json", encoding: "gzip")
        #expect(try PayloadDecoder.decode(request).records.count == 1)
    }

    /// A zip bomb stops at the uncompressed limit instead of inflating everything.
    @Test func refusesGzipBombsAtTheUncompressedLimit() throws {
        let bomb = GzipCompressor.compress([UInt8](repeating: 0x20, count: 64 * 1024 * 1024), level: 9)
        #expect(bomb.count < 200_000)
        let request = IngestRequest(endpoint: .importEvents, body: bomb, contentEncoding: "gzip")
        let error = try #require(ingestError { try PayloadDecoder.decode(request) })
        #expect(error.code == .payloadTooLarge)
        let small = IngestLimits(requestBytesMax: 1000)
        let smallError = try #require(ingestError {
            try PayloadDecoder.decode(IngestRequest(endpoint: .track, body: GzipCompressor.compress(
                [UInt8](repeating: 0x20, count: 1001)), contentEncoding: "gzip"), limits: small)
        })
        #expect(smallError.code == .payloadTooLarge)
    }

    /// Corrupt or truncated gzip is refused with invalid_compression.
    @Test func refusesCorruptOrTruncatedGzip() throws {
        var gz = GzipCompressor.compress(Array(String(repeating: Wire.event(), count: 20).utf8))
        let truncated = Array(gz[0 ..< gz.count / 2])
        let truncatedError = try #require(ingestError {
            try PayloadDecoder.decode(IngestRequest(endpoint: .track, body: truncated, contentEncoding: "gzip"))
        })
        #expect(truncatedError.code == .invalidCompression)
        gz[20] ^= 0xFF
        gz[21] ^= 0xFF
        let corruptError = try #require(ingestError {
            try PayloadDecoder.decode(IngestRequest(endpoint: .track, body: gz, contentEncoding: "gzip"))
        })
        #expect(corruptError.code == .invalidCompression)
    }

    /// Encodings other than gzip, deflate and identity are refused by name.
    @Test func refusesUnsupportedContentEncodings() throws {
        let error = try #require(ingestError {
            try PayloadDecoder.decode(Wire.post(body: "[]", encoding: "br"))
        })
        #expect(error.code == .unsupportedEncoding)
        #expect(error.message.contains("'br'"))
        #expect(try PayloadDecoder.decode(Wire.post(body: "[]", encoding: "identity")).records.isEmpty)
    }

    /// More than batchRecordsMax records is refused as too_many_records; exactly the limit is fine.
    @Test func refusesBatchesOverTheRecordLimit() throws {
        let exactly = "[" + Array(repeating: "{}", count: 2000).joined(separator: ",") + "]"
        #expect(try PayloadDecoder.decode(Wire.post(body: exactly)).records.count == 2000)
        let over = "[" + Array(repeating: "{}", count: 2001).joined(separator: ",") + "]"
        let error = try #require(ingestError { try PayloadDecoder.decode(Wire.post(body: over)) })
        #expect(error.code == .tooManyRecords)
        #expect(error.message.contains("2000"))
        let ndjson = Array(repeating: "{}", count: 2001).joined(separator: "\n")
        let ndError = try #require(ingestError {
            try PayloadDecoder.decode(Wire.post(.importEvents, body: ndjson, contentType: "application/x-ndjson"))
        })
        #expect(ndError.code == .tooManyRecords)
    }

    /// A body over requestBytesMax (uncompressed) is refused as payload_too_large.
    @Test func refusesBodiesOverTheByteLimit() throws {
        let limits = IngestLimits(requestBytesMax: 100)
        let error = try #require(ingestError {
            try PayloadDecoder.decode(Wire.post(body: "[" + String(repeating: " ", count: 100) + "]"), limits: limits)
        })
        #expect(error.code == .payloadTooLarge)
        let queryError = try #require(ingestError {
            try PayloadDecoder.decode(IngestRequest(endpoint: .track, method: .get,
                                                    query: "data=" + String(repeating: "A", count: 100)), limits: limits)
        })
        #expect(queryError.code == .payloadTooLarge)
    }

    /// No body and no `data` anywhere is no_data.
    @Test func refusesRequestsWithoutData() throws {
        for request in [
            IngestRequest(endpoint: .track, method: .get, query: "ip=1&_=1"),
            Wire.post(body: ""),
            Wire.post(body: "   \n"),
            Wire.post(body: "verbose=1"),
            Wire.post(body: "data="),
            Wire.post(body: "[]", contentType: "application/json").withMethod(.get),
        ] {
            let error = try #require(ingestError { try PayloadDecoder.decode(request) })
            #expect(error.code == .noData)
        }
    }

    /// An empty array is zero records, not an error.
    @Test func acceptsAnEmptyArray() throws {
        #expect(try PayloadDecoder.decode(Wire.post(body: "[]")).records.isEmpty)
    }

    /// JSON that is not an object or array is refused, naming what it is.
    @Test(arguments: [("\"hello\"", "string"), ("42", "number"), ("true", "boolean"), ("null", "null")])
    func refusesTopLevelScalars(json: String, kind: String) throws {
        let error = try #require(ingestError {
            try PayloadDecoder.decode(Wire.post(body: json, contentType: "application/json"))
        })
        #expect(error.code == .invalidPayload)
        #expect(error.message.contains("JSON \(kind)"))
    }

    /// Array elements that are not objects are left for validation to report per record.
    @Test func leavesNonObjectElementsToValidation() throws {
        let payload = try PayloadDecoder.decode(Wire.post(body: #"[{"event":"a"}, 7, "x"]"#, contentType: "application/json"))
        #expect(payload.records.count == 3)
    }

    /// Malformed JSON is invalid_json with the parser's offset in the message.
    @Test func refusesMalformedJSONWithTheOffset() throws {
        let error = try #require(ingestError {
            try PayloadDecoder.decode(Wire.post(body: #"[{"event": "a",}]"#, contentType: "application/json"))
        })
        #expect(error.code == .invalidJSON)
        #expect(error.message.contains("at byte 15"))
    }

    /// Invalid UTF-8 in a string is refused by the parser.
    @Test func refusesInvalidUTF8() throws {
        let body: [UInt8] = Array(#"[{"event":""#.utf8) + [0xC3, 0x28] + Array(#""}]"#.utf8)
        let error = try #require(ingestError {
            try PayloadDecoder.decode(IngestRequest(endpoint: .track, body: body, contentType: "application/json"))
        })
        #expect(error.code == .invalidJSON)
        #expect(error.message.contains("UTF-8"))
    }

    func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
        GzipCompressor.compress(input, wrapper: windowBits < 0 ? .raw : .zlib)
    }
}

extension IngestRequest {
    func withMethod(_ method: Method) -> IngestRequest {
        var copy = self
        copy.method = method
        return copy
    }
}
