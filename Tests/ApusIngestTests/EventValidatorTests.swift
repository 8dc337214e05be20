// Event validation: structure, token, the shape of the resulting Event, and per-record failures.

import ApusIngest
import ApusModel
import Testing

func eventContext(
    _ endpoint: IngestEndpoint = .track, strict: Bool = false, authenticated: ProjectID? = nil,
    limits: IngestLimits = .standard, requestIP: String? = nil, useRequestIP: Bool = false,
    geoLocator: (any GeoLocator)? = nil, identityMode: IdentityMode = .simplified
) -> EventValidationContext {
    EventValidationContext(
        endpoint: endpoint, strict: strict, nowMs: testNowMs, authenticatedProject: authenticated,
        resolveToken: testTokens, limits: limits, requestIP: requestIP, useRequestIP: useRequestIP,
        insertIdSeed: 42, geoLocator: geoLocator, identityMode: { _ in identityMode })
}

/// The records of `json`: top-level arrays flattened, as the payload decoder does.
func records(_ json: String) throws -> [JSONValue] {
    try JSONParser.parseSequence(Array(json.utf8)).flatMap { value -> [JSONValue] in
        if case .array(let elements) = value { return elements }
        return [value]
    }
}

func validate(_ json: String, _ context: EventValidationContext = eventContext()) throws -> EventBatchResult {
    EventValidator.validate(try records(json), context: context)
}

struct EventValidatorTests {
    /// A well-formed /track event becomes an Event: special properties lifted out, the rest in
    /// order, plus mp_processing_time_ms.
    @Test func turnsAWellFormedRecordIntoAnEvent() throws {
        let json = #"{"event":"Viewed Pricing","properties":{"plan":"pro","token":"tok","distinct_id":"$device:7f","#
            + #""time":1735689600.123,"$insert_id":"k3j9x0a1","n":3,"tags":["a","b"]}}"#
        let result = try validate(json)
        #expect(result.failures.isEmpty)
        let accepted = try #require(result.accepted.first)
        #expect(accepted.index == 0)
        #expect(accepted.project == 1)
        #expect(accepted.event == Event(
            name: "Viewed Pricing", distinctId: "$device:7f", timeMs: 1_735_689_600_123, insertId: "k3j9x0a1",
            properties: [
                JSONMember("plan", .string("pro")),
                JSONMember("n", .number(3)),
                JSONMember("tags", .array([.string("a"), .string("b")])),
                JSONMember("mp_processing_time_ms", .number(Double(testNowMs))),
            ]))
    }

    /// /import events get `$import: true`; a client-sent `$import` or processing time is replaced.
    @Test func marksImportedEvents() throws {
        let json = Wire.event(extra: #""$import":false,"mp_processing_time_ms":1,"k":1"#)
        let event = try #require(try validate(json, eventContext(.importEvents)).accepted.first?.event)
        #expect(event.properties == [
            JSONMember("k", .number(1)),
            JSONMember("$import", .bool(true)),
            JSONMember("mp_processing_time_ms", .number(Double(testNowMs))),
        ])
    }

    /// Bad records fail one by one with their index; good neighbours are still accepted.
    @Test func reportsEachBadRecordByIndexAndKeepsTheGoodOnes() throws {
        let json = "[" + [
            Wire.event("ok"),
            "7",
            #"{"properties":{"token":"tok"}}"#,
            #"{"event":"","properties":{"token":"tok"}}"#,
            #"{"event":"x"}"#,
            #"{"event":"x","properties":[]}"#,
            #"{"event":"x","properties":{"token":"nope","$insert_id":"id-5"}}"#,
            Wire.event("ok2"),
        ].joined(separator: ",") + "]"
        let result = try validate(json)
        #expect(result.accepted.map(\.index) == [0, 7])
        #expect(result.failures.map(\.index) == [1, 2, 3, 4, 5, 6])
        #expect(result.failures.map(\.field) == ["record", "event", "event", "properties", "properties", "properties.token"])
        #expect(result.failures.map(\.code) == [
            "record_not_object", "missing_field", "invalid_field", "missing_field", "invalid_field", "invalid_token",
        ])
        #expect(result.failures[5].insertId == "id-5")
        #expect(result.failures[0].message.contains("record 1 is a JSON number"))
    }

    /// /track needs a token that names a project.
    @Test(arguments: [
        (#""distinct_id":"u""#, "is missing"),
        (#""token":"","distinct_id":"u""#, "non-empty string"),
        (#""token":12,"distinct_id":"u""#, "non-empty string"),
        (#""token":"unknown""#, "not the token of any project"),
    ])
    func refusesMissingOrUnknownTokens(properties: String, message: String) throws {
        let result = try validate(#"{"event":"e","properties":{\#(properties)}}"#)
        let failure = try #require(result.failures.first)
        #expect(failure.field == "properties.token")
        #expect(failure.code == "invalid_token")
        #expect(failure.message.contains(message))
    }

    /// Tokens resolve per record: one batch can span projects.
    @Test func resolvesTheTokenOfEachRecord() throws {
        let result = try validate("[" + Wire.event(token: "tok") + "," + Wire.event(token: "tok2") + "]")
        #expect(result.accepted.map(\.project) == [1, 2])
    }

    /// Authenticated /import needs no token; a token of another project is refused; an unknown one is ignored.
    @Test func usesTheAuthenticatedProjectOnImport() throws {
        let context = eventContext(.importEvents, authenticated: 1)
        let json = "[" + [
            #"{"event":"e","properties":{"time":1735689600,"distinct_id":"u"}}"#,
            Wire.event(token: "tok"),
            Wire.event(token: "tok2"),
            Wire.event(token: "mixpanel-token"),
        ].joined(separator: ",") + "]"
        let result = try validate(json, context)
        #expect(result.accepted.map(\.index) == [0, 1, 3])
        #expect(result.accepted.allSatisfy { $0.project == 1 })
        #expect(result.failures.map(\.code) == ["token_project_mismatch"])
        #expect(result.failures.first?.field == "properties.token")
    }

    /// `$ignore` true or a non-empty string drops the event silently; false and "" do not.
    @Test func dropsEventsWithATruthyIgnore() throws {
        let json = "[" + [
            Wire.event(extra: #""$ignore":true"#),
            Wire.event(extra: #""$ignore":"bot""#),
            Wire.event(extra: #""$ignore":false"#),
            Wire.event(extra: #""$ignore":"""#),
            #"{"event":"e","properties":{"$ignore":true}}"#,
        ].joined(separator: ",") + "]"
        let result = try validate(json)
        #expect(result.ignored == 3)
        #expect(result.accepted.map(\.index) == [2, 3])
        #expect(result.failures.isEmpty)
    }

    /// `ip` and `$ip` are never stored.
    @Test func dropsTheIPProperty() throws {
        let event = try #require(try validate(Wire.event(extra: #""ip":"203.0.113.9","$ip":"1.2.3.4","k":1"#))
            .accepted.first?.event)
        #expect(event.properties.map(\.key) == ["k", "mp_processing_time_ms"])
    }

    /// At most propertiesMax properties; one more fails on `properties`.
    @Test func refusesMoreThanTheMaximumProperties() throws {
        func record(_ count: Int) -> String {
            let extra = (0 ..< count - 3).map { #""p\#($0)":\#($0)"# }.joined(separator: ",")
            return Wire.event(extra: extra) // token, distinct_id, time + extra
        }
        let result = try validate("[" + record(255) + "," + record(256) + "]")
        #expect(result.accepted.map(\.index) == [0])
        #expect(result.failures.first?.field == "properties")
        #expect(result.failures.first?.code == "too_many_properties")
    }

    /// A record whose JSON exceeds recordBytesMax fails, with sizes from the decoder (which never
    /// parses it) or measured by serialising records parsed elsewhere.
    @Test func refusesRecordsOverTheByteLimit() throws {
        let big = String(repeating: "x", count: 1024 * 1024)
        let body = "[" + Wire.event(extra: #""blob":"\#(big)""#) + "," + Wire.event() + "]"
        let payload = try PayloadDecoder.decode(Wire.post(body: body, contentType: "application/json"))
        let result = EventValidator.validate(payload, context: eventContext())
        #expect(result.accepted.map(\.index) == [1])
        #expect(result.failures.map(\.code) == ["record_too_large"])
        #expect(result.failures.first?.field == "record")

        #expect(payload.records[0] == .null)

        guard case .array(let parsed) = try JSONParser.parse(body) else { Issue.record("not an array"); return }
        let measured = EventValidator.validate(parsed, context: eventContext())
        #expect(measured.failures.map(\.code) == ["record_too_large"])
    }

    /// Strict rules apply on /import only: strict /track still generates missing ids.
    @Test func appliesStrictRulesOnlyToImport() throws {
        let json = #"{"event":"e","properties":{"token":"tok"}}"#
        #expect(try validate(json, eventContext(.track, strict: true)).accepted.count == 1)
        #expect(try validate(json, eventContext(.importEvents, strict: true)).failures.count == 1)
    }
}
