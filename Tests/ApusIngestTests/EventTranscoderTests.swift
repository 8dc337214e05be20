// The transcoder against the general path (parse into values, validate, encode): for every
// payload, the same records byte for byte, the same projects, failures and ignored count; and
// when the transcoder declines, the general path is the one that must answer.

import ApusIngest
import ApusModel
import ApusStoreCore
import ApusTesting
import Testing

/// What the general path makes of `json`: nil when the request itself fails.
private func general(_ json: [UInt8], _ context: EventValidationContext) -> (EventRecords, [ProjectID], [RecordFailure], Int)? {
    let request = IngestRequest(endpoint: context.endpoint, method: .post, body: json, contentType: "application/json")
    guard let decoded = try? PayloadDecoder.decode(request, limits: context.limits) else { return nil }
    let result = EventValidator.validate(decoded, context: context)
    return (EventRecords(result.accepted.map(\.event)), result.accepted.map(\.project), result.failures, result.ignored)
}

private func expectSameAnswer(_ json: [UInt8], _ context: EventValidationContext, _ note: @autoclosure () -> String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let reference = general(json, context)
    guard let transcoded = EventTranscoder.transcode(json, context: context) else {
        return // declined: the general path answers the request
    }
    guard let reference else {
        Issue.record("the transcoder accepted a payload the general path refuses: \(note())", sourceLocation: sourceLocation)
        return
    }
    #expect(transcoded.records.bytes == reference.0.bytes, "records differ: \(note())", sourceLocation: sourceLocation)
    #expect(transcoded.records.ranges == reference.0.ranges, "\(note())", sourceLocation: sourceLocation)
    #expect(transcoded.projects == reference.1, "\(note())", sourceLocation: sourceLocation)
    #expect(transcoded.failures == reference.2, "\(note())", sourceLocation: sourceLocation)
    #expect(transcoded.ignored == reference.3, "\(note())", sourceLocation: sourceLocation)
}

struct EventTranscoderTests {
    @Test func writesOrdinaryEventsWithoutTheGeneralPath() throws {
        let json = "[" + (0..<50).map { i in
            #"{"event":"Viewed","properties":{"token":"tok","distinct_id":"u\#(i)","time":1735689600.5,"#
                + #""$insert_id":"id-\#(i)","plan":"pro","n":\#(i),"price":9.99,"ok":true,"none":null,"#
                + #""city":"Zürich","q":"a\"b\\c\n","tags":["x",1]}}"#
        }.joined(separator: ",") + "]"
        let bytes = Array(json.utf8)
        let transcoded = try #require(EventTranscoder.transcode(bytes, context: eventContext()))
        #expect(transcoded.records.count == 50)
        #expect(transcoded.generalRecords == 0)
        let events = try transcoded.records.events()
        #expect(events[3].distinctId == "u3")
        #expect(events[3].properties[key: "city"] == .string("Zürich"))
        #expect(events[3].properties[key: "q"] == .string("a\"b\\c\n"))
        #expect(events[3].properties[key: "tags"] == .array([.string("x"), .number(1)]))
        expectSameAnswer(bytes, eventContext(), "ordinary batch")
        expectSameAnswer(bytes, eventContext(.importEvents, authenticated: 1), "ordinary batch on /import")
    }

    @Test func sendsRepeatedKeysAndBrokenRulesToTheGeneralPath() throws {
        let json = #"[{"event":"A","properties":{"token":"tok","k":1,"k":2}},"#
            + #"{"event":"B","event":"C","properties":{"token":"tok"}},"#
            + #"{"event":"D","properties":{"token":"nope"}},"#
            + #"{"\u0065vent":"E","properties":{"token":"tok"}},"#
            + #"{"event":"F","properties":{"token":"tok","$ignore":true}}]"#
        let bytes = Array(json.utf8)
        let transcoded = try #require(EventTranscoder.transcode(bytes, context: eventContext()))
        #expect(transcoded.records.count == 3)
        #expect(transcoded.failures.map(\.index) == [2])
        #expect(transcoded.ignored == 1)
        #expect(try transcoded.records.event(at: 0).properties[key: "k"] == .number(2))
        expectSameAnswer(bytes, eventContext(), "repeats and rules")
    }

    @Test func declinesPayloadsTheRequestMustRefuse() {
        for json in ["", "  ", "[1,2]", #"{"event":"A","properties":{"token":"tok"}"#, "[{}", "5",
                     #"{"event":"A","properties":{"token":"tok","n":1e999}}"#, #"[{"event":"A","properties":{"x":"\x"}}]"#] {
            #expect(EventTranscoder.transcode(Array(json.utf8), context: eventContext()) == nil, "\(json)")
        }
        // Over the request's size limit (found by fuzzing: the server checks it before, the
        // transcoder checks it again).
        // A record over the size limit is refused by the general path, by its size alone.
        let oversized = #"[{"event":"A","properties":{"token":"tok","n":["# + Array(repeating: "1", count: 200).joined(separator: ",") + "]}}]"
        #expect(EventTranscoder.transcode(Array(oversized.utf8), context: eventContext(limits: IngestLimits(recordBytesMax: 300))) == nil)
        let big = "[" + String(repeating: " ", count: 5000) + "]"
        #expect(EventTranscoder.transcode(Array(big.utf8), context: eventContext(limits: IngestLimits(requestBytesMax: 4096))) == nil)
    }

    /// Seeded random payloads mixing every construct: the answers are always the general path's.
    @Test(arguments: 0..<8)
    func answersAsTheGeneralPathOnRandomPayloads(seed: UInt64) {
        var random = SeededRandom(seed: 0x7A5C_0DE0 + seed)
        let contexts = [
            eventContext(),
            eventContext(.importEvents, authenticated: 1),
            eventContext(.importEvents, strict: true, authenticated: 1),
            eventContext(limits: IngestLimits(propertiesMax: 6, stringBytesMax: 8, jsonDepthMax: 5)),
            // An array value of a record inside an array is one level too deep.
            eventContext(limits: IngestLimits(jsonDepthMax: 3)),
            // Payloads over one record's limit are scanned before they are transcoded.
            eventContext(.importEvents, authenticated: 1, limits: IngestLimits(recordBytesMax: 120)),
            eventContext(identityMode: .original),
        ]
        for round in 0..<150 {
            let json = RandomPayload.make(&random)

            for (k, context) in contexts.enumerated() {
                expectSameAnswer(Array(json.utf8), context, "seed \(seed) round \(round) context \(k): \(json)")
            }
        }
    }

    /// Records mostly repeat the last one's keys in order, which the transcoder reads by
    /// comparing bytes; a key that differs at one position (same length, longer, shorter,
    /// escaped, repeated, spaced, special) must still read as the general path reads it.
    @Test(arguments: 0..<4)
    func readsKeysThatRepeatTheLastRecordsAsTheGeneralPathDoes(seed: UInt64) {
        var random = SeededRandom(seed: 0x6E55_0000 + seed)
        let shape = [#""token":"tok""#, #""time":1735689600"#, #""distinct_id":"u1""#, #""$insert_id":"i-1""#,
                     #""plan":"pro""#, #""$browser":"Chrome""#, #""n":3"#, #""session_id":"s-1""#]
        let variants = [#""plam":"x""#, #""plans":"x""#, #""pla":"x""#, #""plan":"x""#, #""plan":"again""#,
                        #""plan" : "spaced""#, #""distinct_id":"u2""#, #""time":1735689601"#, #""$user_id":"u3""#,
                        #""token":"tok2""#, #""$insert_id":"i-2""#, #""n":{"plan":1}"#, #""session_id":"é""#]
        for round in 0..<100 {
            let records = (0..<(2 + Int(random.next() % 8))).map { _ -> String in
                var members = shape
                for _ in 0..<Int(random.next() % 3) {
                    let at = Int(random.next() % UInt64(members.count + 1))
                    let variant = RandomPayload.pick(variants, &random)
                    if at < members.count, random.next() % 2 == 0 { members[at] = variant } else { members.insert(variant, at: at) }
                }
                if random.next() % 5 == 0 { members.removeLast(Int(random.next() % 4)) }
                let name = RandomPayload.pick([#""Viewed""#, #""Signed Up""#], &random)
                return #"{"event":"# + name + #","properties":{"# + members.joined(separator: ",") + "}}"
            }
            let json = "[" + records.joined(separator: ",") + "]"
            expectSameAnswer(Array(json.utf8), eventContext(), "seed \(seed) round \(round): \(json)")
            expectSameAnswer(Array(json.utf8), eventContext(.importEvents, authenticated: 1), "import, seed \(seed) round \(round): \(json)")
        }
    }
}

/// Random event payloads for the equivalence test.
enum RandomPayload {
    static func pick<T>(_ items: [T], _ random: inout SeededRandom) -> T {
        items[Int(random.next() % UInt64(items.count))]
    }

    static let names = [#""Signup""#, #""""#, "5", #""Ev\u00e9nt""#, #""$merge""#, #""Zürich view""#, "null", #""A\"B""#]
    static let keys = [#""plan""#, #""n""#, #""$browser""#, #""k\u0031""#, #""Grüße""#, #""plan""#, #""""#,
                       #""a""#, #""b""#, #""c""#, #""d""#, #""e""#, #""f""#, #""g""#, #""h""#, #""i""#, #""j""#]
    static let values = [
        #""pro""#, #""""#, "0", "-0", "12", "-7", "3.25", "1e5", "0.1", "9007199254740993", "true", "false", "null",
        #""line\nbreak \"q\" \/ \\""#, #""\u2028 \ud83d\ude00 \ud800""#, #""é€😀""#,
        "\"" + String(repeating: "x", count: 300) + "\"", "\"" + String(repeating: "é", count: 10) + "\"",
        #"["a",1,[true,null]]"#, #"{"a":1,"a":"two"}"#, "[]", "{}", #"[{"deep":[[["x"]]]}]"#,
        // Flat arrays, which the transcoder writes element by element.
        #"["beta","t11"]"#, #"[ true , false,null, -1.5 ,"q\"" ]"#, "[ ]", #"["x",tru]"#, #"["x",]"#,
        "[" + (0..<130).map(String.init).joined(separator: ",") + "]", "[\"" + String(repeating: "y", count: 300) + "\"]",
        "true", "false", "null", "nul", "truth",
    ]
    static let specials = [
        #""token":"tok""#, #""token":"tok2""#, #""token":"nope""#, #""token":5"#,
        #""time":1735689600.123"#, #""time":1735689600123"#, #""time":"1735689600""#, #""time":"0x10""#,
        #""time":-1"#, #""time":null"#, #""time":99999999999999"#,
        #""distinct_id":"u1""#, #""distinct_id":42"#, #""distinct_id":null"#, #""distinct_id":{"a":1}"#,
        #""distinct_id":"undefined""#, #""distinct_id":"\u0075""#,
        #""$insert_id":"abc-123""#, #""$insert_id":"""#, #""$insert_id":7"#, #""$insert_id":"bad id!""#,
        #""ip":"1.2.3.4""#, #""$ip":0"#, #""$ignore":true"#, #""$ignore":false"#, #""$ignore":"""#, #""$ignore":"y""#,
        #""$import":false"#, #""mp_processing_time_ms":1"#, #""dist\u0069nct_id":"esc""#,
        #""$device_id":"d1""#, #""$device_id":"""#, #""$device_id":"$device:d2""#, #""$device_id":[1]"#,
        #""$user_id":"u9""#, #""$user_id":7"#, #""$user_id":null"#, #""$us\u0065r_id":"esc""#,
    ]
    static let spaces = ["", " ", "\n", " \t "]

    static func properties(_ random: inout SeededRandom) -> String {
        var members: [String] = []
        for _ in 0..<Int(random.next() % 9) {
            if random.next() % 3 == 0 {
                members.append(pick(specials, &random))
            } else {
                members.append(pick(keys, &random) + ":" + pick(spaces, &random) + pick(values, &random))
            }
        }
        return "{" + members.joined(separator: "," + pick(spaces, &random)) + "}"
    }

    static func record(_ random: inout SeededRandom) -> String {
        switch random.next() % 20 {
        case 0: return pick(["5", #""x""#, "[]", "null"], &random)
        case 1: return #"{"properties":"# + properties(&random) + "}"
        case 2: return #"{"event":"X"}"#
        case 3: return #"{"event":"X","properties":[1]}"#
        case 4: return #"{"event":"A","extra":{"b":[1,2]},"properties":"# + properties(&random) + "}"
        case 5: return #"{"properties":"# + properties(&random) + #","event":"# + pick(names, &random) + "}"
        case 6: return #"{"event":"A","properties":{},"event":"B","properties":"# + properties(&random) + "}"
        default:
            let s = pick(spaces, &random)
            return "{" + s + #""event""# + s + ":" + s + pick(names, &random) + "," + #""properties":"# + properties(&random) + s + "}"
        }
    }

    static func make(_ random: inout SeededRandom) -> String {
        let count = 1 + Int(random.next() % 6)
        let records = (0..<count).map { _ in record(&random) }
        var text: String
        switch random.next() % 5 {
        case 0: text = records[0]
        case 1: text = records.joined(separator: "\n")
        case 2: text = "[" + records.prefix(count / 2).joined(separator: ",") + "]" + "[" + records.dropFirst(count / 2).joined(separator: ",") + "]"
        default: text = "[" + records.joined(separator: ", ") + "]"
        }
        if random.next() % 25 == 0 { text.removeLast() } // truncated
        return text
    }
}
