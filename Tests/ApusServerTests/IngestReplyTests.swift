import ApusTesting
import ApusStoreCore
import ApusIngest
import ApusModel
import ApusStore
@testable import ApusServer
import Testing

struct IngestReplyTests {
    func outcome(_ endpoint: IngestEndpoint, stored: Int = 0, flags: IngestFlags = IngestFlags(), form: Bool = false) -> IngestOutcome {
        var o = IngestOutcome(endpoint: endpoint, flags: flags, formTransport: form)
        o.stored = stored
        return o
    }

    /// Non-verbose tracking answers are the bare text 1 or 0.
    @Test func trackAnswersOneOrZero() {
        #expect(IngestReply.reply(for: outcome(.track, stored: 2)).bodyText == "1")
        #expect(IngestReply.reply(for: outcome(.track)).bodyText == "0")
    }

    /// Verbose answers carry status and error.
    @Test func verboseTrackAnswersStatusAndError() {
        #expect(IngestReply.reply(for: outcome(.engage, stored: 1, flags: IngestFlags(verbose: 1))).bodyText == #"{"status":1,"error":null}"#)
        let failed = IngestReply.reply(for: outcome(.track, flags: IngestFlags(verbose: 1)))
        #expect(failed.status == 200)
        #expect(failed.bodyText.hasPrefix(#"{"status":0,"error":""#))
    }

    /// The Python SDK's form import gets an integer status and an error key.
    @Test func formImportAnswersInThePythonSDKsShape() {
        let r = IngestReply.reply(for: outcome(.importEvents, stored: 3, flags: IngestFlags(verbose: 1), form: true))
        #expect(r.bodyText == #"{"code":200,"num_records_imported":3,"status":1,"error":null}"#)
    }

    /// A JSON import answers in the documented strict shape.
    @Test func jsonImportAnswersInTheDocumentedShape() {
        let r = IngestReply.reply(for: outcome(.importEvents, stored: 2, flags: IngestFlags(strict: true)))
        #expect(r.bodyText == #"{"code":200,"num_records_imported":2,"status":"OK"}"#)
    }

    /// Strict import with failures is a 400 listing each failed record; good ones still count.
    @Test func strictImportWithFailuresIs400() {
        var o = outcome(.importEvents, stored: 1, flags: IngestFlags(strict: true))
        o.failures = [RecordFailure(index: 1, insertId: "e-2", field: "properties.time", code: "invalid_time", message: "bad time")]
        let r = IngestReply.reply(for: o)
        #expect(r.status == 400)
        #expect(r.bodyText.contains(#""num_records_imported":1"#))
        #expect(r.bodyText.contains(#""failed_records":[{"index":1,"insert_id":"e-2","field":"properties.time""#))
    }

    /// Store trouble is a 503 with Retry-After, so SDKs retry.
    @Test func storeTroubleIs503WithRetryAfter() {
        var o = outcome(.track)
        o.storeError = .unavailable
        let r = IngestReply.reply(for: o)
        #expect(r.status == 503)
        #expect(r.headers.contains { $0.0 == "Retry-After" })
    }

    /// An unreadable payload is a 400 whose body is still the SDK's 0 or verbose error; a
    /// tracking pixel still gets its image.
    @Test func unreadablePayloadIs400ButPixelsStayImages() {
        var o = outcome(.track)
        o.requestError = IngestError(.invalidJSON, "the payload is not valid JSON")
        let r = IngestReply.reply(for: o)
        #expect(r.status == 400)
        #expect(r.bodyText == "0")
        o.flags.img = true
        let pixel = IngestReply.reply(for: o)
        #expect(pixel.status == 200)
        #expect(pixel.body == IngestReply.pixel)
    }

    /// A full commit queue is a 429 with Retry-After, on tracking and import alike.
    @Test func overloadIs429WithRetryAfter() {
        for endpoint in [IngestEndpoint.track, .importEvents] {
            var o = outcome(endpoint)
            o.storeError = .overloaded
            let r = IngestReply.reply(for: o)
            #expect(r.status == 429)
            #expect(r.headers.contains { $0.0 == "Retry-After" && $0.1 == "1" })
        }
    }

    /// JSONP callbacks are reflected only when they are identifier paths.
    @Test(arguments: [("mixpanel._jsc[48213377]", true), ("(function(){})", true), ("cb", true),
                      ("alert(1)", false), ("a</script>", false), ("", false)])
    func onlySafeCallbacksAreReflected(_ name: String, _ safe: Bool) {
        #expect(IngestReply.isSafeCallback(name) == safe)
    }

    /// Redirects go only to absolute http(s) URLs.
    @Test(arguments: [("https://example.org/x", true), ("http://a.b", true), ("javascript:alert(1)", false),
                      ("//evil.example", false), ("https://a.b/\r\nSet-Cookie: x", false)])
    func onlyHttpRedirectsAreFollowed(_ url: String, _ safe: Bool) {
        #expect(IngestReply.isSafeRedirect(url) == safe)
    }

    /// Location headers carry only ASCII: U+2028 and friends are percent-encoded, escapes kept.
    @Test func locationHeaderIsPercentEncoded() {
        #expect(IngestReply.locationHeader("https://a.b/p?q=\u{2028}x") == "https://a.b/p?q=%E2%80%A8x")
        #expect(IngestReply.locationHeader("https://a.b/\"<x>\"") == "https://a.b/%22%3Cx%3E%22")
        #expect(IngestReply.locationHeader("https://a.b/%20ok?x=1&y=2#f") == "https://a.b/%20ok?x=1&y=2#f")
    }
}

struct RequestParsingTests {
    /// Query strings decode + as a space and %XX escapes.
    @Test func queryStringDecodesLikeAForm() {
        let q = QueryString("event=%5B%22Signed+Up%22%5D&limit=5&flag&x=1&x=2")
        #expect(q["event"] == #"["Signed Up"]"#)
        #expect(q["limit"] == "5")
        #expect(q["flag"] == "")
        #expect(q["x"] == "1")
        #expect(q["missing"] == nil)
    }

    /// Basic credentials parse from base64 and, as Mixpanel allows, plain text.
    @Test func basicCredentialsParseBase64AndPlainText() {
        #expect(BasicCredentials(header: "Basic dXNlcjpzM2NyZXQ=") == BasicCredentials(header: "Basic user:s3cret"))
        #expect(BasicCredentials(header: "Basic dXNlcjpzM2NyZXQ=")?.username == "user")
        #expect(BasicCredentials(header: "Basic dG9rZW46")?.password == "")
        #expect(BasicCredentials(header: "Bearer abc") == nil)
        #expect(BasicCredentials(header: nil) == nil)
    }
}
