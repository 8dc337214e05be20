// `distinct_id` and `$insert_id`: stringifying, generating, and the strict /import rules.

import ApusIngest
import ApusModel
import ApusStoreCore
import Testing

struct EventIdentityTests {
    func record(_ properties: String) -> String {
        #"{"event":"e","properties":{"token":"tok","time":1735689600,\#(properties)}}"#
    }

    /// Numeric distinct ids become strings without a trailing ".0"; a missing one is "".
    @Test(arguments: [
        (#""distinct_id":42"#, "42"), (#""distinct_id":-7"#, "-7"), (#""distinct_id":1.5"#, "1.5"),
        (#""distinct_id":12345678901234"#, "12345678901234"), (#""distinct_id":"u-1""#, "u-1"),
        (#""distinct_id":null"#, ""), (#""x":1"#, ""),
    ])
    func stringifiesDistinctIds(properties: String, expected: String) throws {
        for endpoint in [IngestEndpoint.track, .importEvents] {
            let result = try validate(record(properties), eventContext(endpoint))
            #expect(result.accepted.first?.event.distinctId == expected)
        }
    }

    /// A distinct id that is neither string nor number fails on its field.
    @Test func refusesDistinctIdsOfOtherTypes() throws {
        let failure = try #require(try validate(record(#""distinct_id":true"#)).failures.first)
        #expect(failure.field == "properties.distinct_id")
        #expect(failure.code == "invalid_field")
    }

    /// Strict /import needs a distinct id (may be "") and refuses placeholders in any case.
    @Test(arguments: [
        "anon", "Anonymous", "NIL", "none", "null", "n/a", "NA", "undefined", "Unknown", "<nil>",
        "0", "-1", "true", "FALSE", "[]", "{}", "00000000-0000-0000-0000-000000000000",
    ])
    func refusesPlaceholderDistinctIdsInStrictImport(placeholder: String) throws {
        let json = record(#""distinct_id":"\#(placeholder)","$insert_id":"abc-1""#)
        let strict = try #require(try validate(json, eventContext(.importEvents, strict: true)).failures.first)
        #expect(strict.field == "properties.distinct_id")
        #expect(strict.code == "placeholder_value")
        #expect(strict.insertId == "abc-1")
        #expect(try validate(json, eventContext(.importEvents, strict: false)).accepted.count == 1)
    }

    /// The numbers 0 and -1 are placeholders too once stringified.
    @Test func refusesNumericPlaceholderDistinctIdsInStrictImport() throws {
        let json = record(#""distinct_id":0,"$insert_id":"abc-1""#)
        #expect(try validate(json, eventContext(.importEvents, strict: true)).failures.first?.code == "placeholder_value")
    }

    /// Strict /import: missing distinct id fails; "" is allowed.
    @Test func requiresADistinctIdInStrictImportButAllowsEmpty() throws {
        let context = eventContext(.importEvents, strict: true)
        let missing = try #require(try validate(record(#""$insert_id":"a1""#), context).failures.first)
        #expect(missing.field == "properties.distinct_id")
        #expect(missing.code == "missing_field")
        #expect(try validate(record(#""distinct_id":"","$insert_id":"a1""#), context).accepted.count == 1)
    }

    /// Missing insert ids are generated: 32 lowercase hex digits, different per event, repeatable per seed.
    @Test func generatesInsertIdsWhenMissing() throws {
        let json = "[" + record(#""distinct_id":"u""#) + "," + record(#""distinct_id":"u","$insert_id":"""#) + "]"
        let ids = try validate(json).accepted.map(\.event.insertId)
        #expect(ids.count == 2)
        #expect(ids[0] != ids[1])
        for id in ids {
            #expect(id.utf8.count == 32)
            #expect(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        #expect(try validate(json).accepted.map(\.event.insertId) == ids)

        var unseeded = eventContext()
        unseeded.insertIdSeed = nil
        let fresh = EventValidator.validate(try records(json), context: unseeded)
        #expect(fresh.accepted.count == 2)
    }

    /// A given insert id is kept; numbers are stringified outside strict mode.
    @Test func keepsGivenInsertIds() throws {
        #expect(try validate(record(#""$insert_id":"Ab-9""#)).accepted.first?.event.insertId == "Ab-9")
        #expect(try validate(record(#""$insert_id":"not strict: anything!""#)).accepted.first?.event.insertId
            == "not strict: anything!")
        #expect(try validate(record(#""$insert_id":1234"#)).accepted.first?.event.insertId == "1234")
    }

    /// Strict /import requires an insert id of ≤ 36 bytes of [A-Za-z0-9-] that is not a placeholder.
    @Test(arguments: [
        (#""x":1"#, "missing_field"),
        (#""$insert_id":"""#, "missing_field"),
        (#""$insert_id":"0123456789012345678901234567890123456""#, "invalid_insert_id"),
        (#""$insert_id":"has space""#, "invalid_insert_id"),
        (#""$insert_id":"under_score""#, "invalid_insert_id"),
        (#""$insert_id":"Undefined""#, "placeholder_value"),
        (#""$insert_id":42"#, "invalid_insert_id"),
    ])
    func enforcesStrictInsertIdRules(properties: String, code: String) throws {
        let json = record(#""distinct_id":"u","# + properties)
        let failure = try #require(try validate(json, eventContext(.importEvents, strict: true)).failures.first)
        #expect(failure.field == "properties.$insert_id")
        #expect(failure.code == code)
    }

    /// A 36-character UUID is a valid strict insert id.
    @Test func acceptsUUIDInsertIdsInStrictImport() throws {
        let json = record(#""distinct_id":"u","$insert_id":"6f1c0e9a-1b2c-4d3e-8f90-a1b2c3d4e5f6""#)
        #expect(try validate(json, eventContext(.importEvents, strict: true)).accepted.count == 1)
    }

    /// Simplified ID merge (spec §1.6.1): the server sets the distinct id to `$user_id`, else
    /// to `$device:` + `$device_id`, whatever the client sent; both properties stay. Under
    /// Original ID merge the sent distinct id stands.
    @Test(arguments: [
        (#""distinct_id":"d1","$device_id":"d1""#, "$device:d1", "d1"),
        (#""$device_id":"d1","distinct_id":"x""#, "$device:d1", "x"),
        (#""distinct_id":"$device:d1","$device_id":"d1""#, "$device:d1", "$device:d1"),
        (#""distinct_id":"d1","$device_id":"$device:d1""#, "$device:d1", "d1"),
        (#""distinct_id":"$device:d1","$device_id":"d1","$user_id":"alice""#, "alice", "$device:d1"),
        (#""$user_id":42,"distinct_id":"other""#, "42", "other"),
        (#""distinct_id":"u","$device_id":"","$user_id":null"#, "u", "u"),
        // A `$device:` id sent with `$user_id` alone stays: the identity graph joins it to the user.
        (#""distinct_id":"$device:d1","$user_id":"alice""#, "$device:d1", "$device:d1"),
        (#""distinct_id":"u""#, "u", "u"),
    ])
    func setsTheDistinctIdFromDeviceAndUserUnderSimplifiedMerge(properties: String, simplified: String, original: String) throws {
        for endpoint in [IngestEndpoint.track, .importEvents] {
            for (mode, expected) in [(IdentityMode.simplified, simplified), (.original, original)] {
                let context = eventContext(endpoint, identityMode: mode)
                let event = try #require(try validate(record(properties), context).accepted.first?.event)
                #expect(event.distinctId == expected, "\(mode) \(endpoint): \(properties)")
                let bytes = Array(("[" + record(properties) + "]").utf8)
                let transcoded = try #require(EventTranscoder.transcode(bytes, context: context))
                #expect(try transcoded.records.events().first?.distinctId == expected)
                #expect(event.properties[key: "$device_id"] != nil || !properties.contains("$device_id"))
            }
        }
    }

    /// Strict /import accepts an event without `distinct_id` when Simplified merge sets it.
    @Test func strictImportTakesTheDistinctIdFromTheDeviceUnderSimplifiedMerge() throws {
        let json = record(#""$device_id":"d7","$insert_id":"abc-1""#)
        let simplified = try validate(json, eventContext(.importEvents, strict: true))
        #expect(simplified.accepted.first?.event.distinctId == "$device:d7")
        let original = try validate(json, eventContext(.importEvents, strict: true, identityMode: .original))
        #expect(original.failures.first?.field == "properties.distinct_id")
    }

    /// The distinct id Simplified merge sets and the identity fact read from the stored event
    /// name the same ids: a device id past the string limit, a numeric `$user_id` past 2^53.
    @Test func theDistinctIdAndTheIdentityFactAgree() throws {
        let long = String(repeating: "d", count: 300)
        let device = try #require(try validate(record(#""$device_id":"\#(long)""#)).accepted.first?.event)
        let deviceOnly = try #require(try validate(record(#""$device_id":"\#(long)","$user_id":"bob""#)).accepted.first?.event)
        #expect(IdentityLink.links(in: deviceOnly).contains(.deviceUser(device: device.distinctId, user: "bob")))
        let numeric = try #require(try validate(record(#""$device_id":"d1","$user_id":1234567890123456789"#)).accepted.first?.event)
        #expect(IdentityLink.links(in: numeric) == [.deviceUser(device: "$device:d1", user: numeric.distinctId)])
    }

    /// Strict /import does not judge a distinct id Simplified merge replaces, but the id it
    /// takes must not be a placeholder.
    @Test func strictImportJudgesTheIdSimplifiedMergeTakes() throws {
        let context = eventContext(.importEvents, strict: true)
        let replaced = try validate(record(#""distinct_id":"anonymous","$user_id":"u1","$insert_id":"abc-1""#), context)
        #expect(replaced.accepted.first?.event.distinctId == "u1")
        let placeholder = try #require(try validate(record(#""$user_id":"undefined","$insert_id":"abc-2""#), context).failures.first)
        #expect(placeholder.field == "properties.$user_id" && placeholder.code == "placeholder_value")
    }
}
