// Form transports (spec §1.1 A, B, C, E): raw JSON or base64 `data`, in the body or the query,
// and the flags around it.

import ApusIngest
import ApusModel
import Foundation
import Testing

struct PayloadDecoderFormTests {
    let batch = "[" + Wire.event("A") + "," + Wire.event("B") + "]"

    /// Python SDK style: `data=<url-encoded JSON>&verbose=1&ip=0` in a form body.
    @Test func decodesRawJSONInAFormBody() throws {
        let request = Wire.post(body: "data=" + Wire.uriComponent(batch) + "&verbose=1&ip=0")
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 2)
        #expect(payload.records[0]["event"] == .string("A"))
        #expect(payload.flags.verbose == 1)
        #expect(payload.flags.ip == false)
        #expect(payload.formFields.isEmpty)
        #expect(payload.uncompressedBytes == request.body.count)
    }

    /// A form value with `+` for spaces decodes them (form encoding, not URI encoding).
    @Test func turnsPlusIntoSpaceInFormValues() throws {
        let request = Wire.post(body: "data=" + #"{"event":"Signed+Up","properties":{}}"#)
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records[0]["event"] == .string("Signed Up"))
    }

    /// Leading form-encoded whitespace (`+`, `%20`, `%0A`) before raw JSON still reads as JSON.
    @Test func skipsEncodedWhitespaceBeforeRawJSON() throws {
        let payload = try PayloadDecoder.decode(Wire.post(body: "data=+%20%0A" + Wire.uriComponent(batch)))
        #expect(payload.records.count == 2)
    }

    /// A malformed escape in base64 data is refused, not skipped.
    @Test func refusesBrokenEscapesInBase64() throws {
        let error = try #require(ingestError { try PayloadDecoder.decode(Wire.post(body: "data=e30%3")) })
        #expect(error.code == .invalidBase64)
    }

    /// mixpanel-js toward a custom host: `data=<url-encoded base64>`.
    @Test func decodesBase64InAFormBody() throws {
        let request = Wire.post(body: "data=" + Wire.uriComponent(Wire.base64(batch)))
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 2)
        #expect(payload.records[1]["event"] == .string("B"))
    }

    /// Base64 without `=` padding is accepted, for each possible remainder.
    @Test(arguments: ["{}", "{ }", "{  }", #"{"event":"é"}"#])
    func decodesBase64WithoutPadding(json: String) throws {
        let unpadded = Wire.base64(json).replacingOccurrences(of: "=", with: "")
        let payload = try PayloadDecoder.decode(Wire.post(body: "data=" + unpadded))
        #expect(payload.records == [try JSONParser.parse(json)])
    }

    /// The URL-safe alphabet (`-` and `_`) decodes like `+` and `/`.
    @Test func decodesURLSafeBase64() throws {
        let json = #"{"event":"??>>~~","properties":{"p":"ÿÿÿ"}}"#
        let standard = Wire.base64(json)
        #expect(standard.contains("+") || standard.contains("/"))
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let payload = try PayloadDecoder.decode(Wire.post(body: "data=" + urlSafe))
        #expect(payload.records == [try JSONParser.parse(json)])
    }

    /// Line breaks inside base64 (MIME wrapping) are ignored.
    @Test func ignoresLineBreaksInBase64() throws {
        let encoded = Wire.base64(batch)
        var wrapped = ""
        for (i, c) in encoded.enumerated() {
            if i > 0 && i % 20 == 0 { wrapped += "\r\n" }
            wrapped.append(c)
        }
        let payload = try PayloadDecoder.decode(Wire.post(body: "data=" + Wire.uriComponent(wrapped)))
        #expect(payload.records.count == 2)
    }

    /// An unescaped `+` in base64 (curl -d data=…) turns into a space in form decoding; it still decodes.
    @Test func treatsSpacesInBase64AsPlus() throws {
        // "~~~" encodes as "fn5+"; shift it until it lands on a 3-byte boundary.
        let json = try #require((0 ..< 3).map { #"{"event":""# + String(repeating: " ", count: $0) + #"~~~~~~","properties":{}}"# }
            .first { Wire.base64($0).contains("+") })
        let encoded = Wire.base64(json)
        let payload = try PayloadDecoder.decode(Wire.post(body: "data=" + encoded))
        #expect(payload.records == [try JSONParser.parse(json)])
    }

    /// navigator.sendBeacon: the form body arrives labelled text/plain.
    @Test func decodesSendBeaconBodiesLabelledTextPlain() throws {
        let request = Wire.post(body: "data=" + Wire.uriComponent(Wire.base64(batch)),
                                contentType: "text/plain;charset=UTF-8", query: "ip=1&_=1735689600000")
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 2)
        #expect(payload.flags.ip)
        #expect(payload.formFields["_"] == "1735689600000")
    }

    /// A body that contains `&data=` after other fields is form data whatever its Content-Type.
    @Test func findsDataAfterOtherFieldsEvenWithAJSONContentType() throws {
        let request = Wire.post(body: "verbose=1&data=" + Wire.uriComponent(batch), contentType: "application/json")
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 2)
        #expect(payload.flags.verbose == 1)
    }

    /// GET (script tag, pixel): `data` comes from the query string.
    @Test func decodesDataFromTheQueryOfAGET() throws {
        let query = "data=" + Wire.uriComponent(Wire.base64(Wire.event())) + "&img=1&ip=1&_=123"
        let request = IngestRequest(endpoint: .track, method: .get, query: query)
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.count == 1)
        #expect(payload.flags.img)
        #expect(payload.uncompressedBytes == query.utf8.count)
    }

    /// A POST without a body reads `data` from the query string too.
    @Test func decodesDataFromTheQueryOfAPOSTWithoutBody() throws {
        let request = IngestRequest(endpoint: .track, method: .post, query: "data=" + Wire.uriComponent(Wire.event()))
        #expect(try PayloadDecoder.decode(request).records.count == 1)
    }

    /// When both carry `data`, the body's wins.
    @Test func prefersBodyDataOverQueryData() throws {
        let request = Wire.post(body: "data=" + Wire.uriComponent(Wire.event("FromBody")),
                                query: "data=" + Wire.uriComponent(Wire.event("FromQuery")))
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.map { $0["event"] } == [.string("FromBody")])
    }

    /// A form body without `data` falls back to the query's `data`.
    @Test func fallsBackToQueryDataWhenTheFormBodyHasNone() throws {
        let request = Wire.post(body: "verbose=1", query: "data=" + Wire.uriComponent(Wire.event("Q")))
        let payload = try PayloadDecoder.decode(request)
        #expect(payload.records.map { $0["event"] } == [.string("Q")])
        #expect(payload.flags.verbose == 1)
    }

    /// Flags are read from the query (JS) or the form body (Python); the body wins on conflict.
    @Test func readsFlagsFromQueryAndFormWithTheBodyWinning() throws {
        let fromQuery = try PayloadDecoder.decode(Wire.post(
            body: "data=" + Wire.uriComponent(Wire.event()),
            query: "verbose=2&ip=1&img=1&strict=1&callback=mixpanel._jsc%5B4%5D&redirect=https%3A%2F%2Fa.example%2F&test=1"))
        #expect(fromQuery.flags == IngestFlags(verbose: 2, ip: true, img: true, strict: true,
                                                callback: "mixpanel._jsc[4]", redirect: "https://a.example/"))
        #expect(fromQuery.formFields == ["test": "1"])

        let fromBody = try PayloadDecoder.decode(Wire.post(
            body: "data=" + Wire.uriComponent(Wire.event()) + "&verbose=1&ip=0&strict=true&api_key=k&project_id=7",
            query: "verbose=0&ip=1&project_id=3"))
        #expect(fromBody.flags.verbose == 1)
        #expect(fromBody.flags.ip == false)
        #expect(fromBody.flags.strict)
        #expect(fromBody.formFields == ["api_key": "k", "project_id": "7"])
    }

    /// Without flags, `ip` defaults to Mixpanel's per-endpoint default.
    @Test func defaultsFlagsPerEndpoint() throws {
        let track = try PayloadDecoder.decode(Wire.post(.track, body: "data=" + Wire.uriComponent(Wire.event())))
        #expect(track.flags == IngestFlags())
        let engage = try PayloadDecoder.decode(Wire.post(.engage, body: "data={}"))
        #expect(engage.flags.ip)
    }

    /// `data` that is neither JSON nor base64 is refused as invalid_base64.
    @Test func refusesDataThatIsNeitherJSONNorBase64() throws {
        let error = try #require(ingestError { try PayloadDecoder.decode(Wire.post(body: "data=%21%21%21")) })
        #expect(error.code == .invalidBase64)
        #expect(error.field == "data")
        let single = try #require(ingestError { try PayloadDecoder.decode(Wire.post(body: "data=QUJDR")) })
        #expect(single.code == .invalidBase64)
    }

    /// Base64 that decodes to something other than JSON is refused as invalid_json.
    @Test func refusesBase64OfNonJSON() throws {
        let error = try #require(ingestError {
            try PayloadDecoder.decode(Wire.post(body: "data=" + Wire.uriComponent(Wire.base64("hello"))))
        })
        #expect(error.code == .invalidJSON)
        #expect(error.message.contains("data field"))
    }
}

struct IngestFlagsTests {
    /// Flags can be read from a query string alone, for replying to undecodable requests.
    @Test func readsFlagsFromAQueryString() {
        #expect(IngestFlags.fromQuery("verbose=1&img=1&callback=cb&data=xyz", endpoint: .track)
            == IngestFlags(verbose: 1, img: true, callback: "cb"))
        #expect(IngestFlags.fromQuery("", endpoint: .groups) == IngestFlags(ip: true))
        #expect(IngestFlags.fromQuery("verbose=yes&ip=0", endpoint: .engage) == IngestFlags(verbose: 1, ip: false))
        #expect(IngestFlags.fromQuery("verbose=7", endpoint: .track).verbose == 2)
    }
}
