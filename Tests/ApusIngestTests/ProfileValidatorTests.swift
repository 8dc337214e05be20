// Profile updates on /engage and /groups: ids, one operation of the right shape, $time.

import ApusIngest
import ApusModel
import Testing

struct ProfileValidatorTests {
    func validateProfiles(_ json: String, _ endpoint: IngestEndpoint = .engage, authenticated: ProjectID? = nil) throws -> ProfileBatchResult {
        ProfileValidator.validate(try records(json),
                                  context: eventContext(endpoint, authenticated: authenticated))
    }

    func user(_ operation: String, extra: String = "") -> String {
        #"{"$token":"tok","$distinct_id":"u-1001",\#(extra)\#(operation)}"#
    }

    /// A $set on /engage becomes a user update; the record keeps everything but $token and $ip,
    /// and carries the update's time in ms as `$time`.
    @Test func acceptsAUserSet() throws {
        let json = #"{"$token":"tok","$distinct_id":"u-1001","$ip":"1.2.3.4","$ignore_time":true,"$set":{"Plan":"Pro"}}"#
        let result = try validateProfiles(json)
        #expect(result.failures.isEmpty)
        #expect(result.accepted == [ProfileUpdate(
            index: 0, kind: .user, project: 1, distinctId: "u-1001", operation: "$set", timeMs: testNowMs,
            record: .object([
                JSONMember("$distinct_id", .string("u-1001")),
                JSONMember("$ignore_time", .bool(true)),
                JSONMember("$set", .object([JSONMember("Plan", .string("Pro"))])),
                JSONMember("$time", .number(Double(testNowMs))),
            ]))])
        #expect(result.accepted.first?.operationValue == .object([JSONMember("Plan", .string("Pro"))]))
    }

    /// Every operation is accepted on /engage with a value of the right shape.
    @Test(arguments: [
        #""$set":{"a":1}"#, #""$set_once":{"a":"x"}"#, #""$add":{"n":1,"m":-2.5}"#, #""$append":{"l":"v"}"#,
        #""$union":{"l":["a","b"]}"#, #""$remove":{"l":"a"}"#, #""$unset":["a","b"]"#, #""$delete":"""#,
        #""$delete":null"#, #""$delete":"u-1001""#,
    ])
    func acceptsEveryOperationWithTheRightShape(operation: String) throws {
        let result = try validateProfiles(user(operation))
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.accepted.count == 1)
    }

    /// Values of the wrong shape fail, naming the operation (and the property when it is one value).
    @Test(arguments: [
        (#""$set":["a"]"#, "$set"),
        (#""$set_once":"x""#, "$set_once"),
        (#""$add":{"n":"1"}"#, "$add.n"),
        (#""$add":[1]"#, "$add"),
        (#""$union":{"l":"a"}"#, "$union.l"),
        (#""$append":null"#, "$append"),
        (#""$remove":3"#, "$remove"),
        (#""$unset":["a",1]"#, "$unset"),
        (#""$unset":{"a":1}"#, "$unset"),
    ])
    func refusesOperationValuesOfTheWrongShape(operation: String, field: String) throws {
        let failure = try #require(try validateProfiles(user(operation)).failures.first)
        #expect(failure.field == field)
        #expect(failure.code == "invalid_field")
        #expect(failure.message.contains("'\(field)'"))
    }

    /// No operation, or two, fails.
    @Test func requiresExactlyOneOperation() throws {
        let none = try #require(try validateProfiles(#"{"$token":"tok","$distinct_id":"u"}"#).failures.first)
        #expect(none.code == "missing_operation")
        #expect(none.message.contains("$set"))
        let two = try #require(try validateProfiles(user(#""$set":{"a":1},"$unset":["b"]"#)).failures.first)
        #expect(two.code == "multiple_operations")
        #expect(two.field == "$unset")
    }

    /// /engage needs a non-empty $distinct_id; numbers are stringified.
    @Test func requiresADistinctIdOnEngage() throws {
        for (json, code) in [
            (#"{"$token":"tok","$set":{"a":1}}"#, "missing_field"),
            (#"{"$token":"tok","$distinct_id":"","$set":{"a":1}}"#, "missing_field"),
            (#"{"$token":"tok","$distinct_id":null,"$set":{"a":1}}"#, "missing_field"),
            (#"{"$token":"tok","$distinct_id":["u"],"$set":{"a":1}}"#, "invalid_field"),
        ] {
            let failure = try #require(try validateProfiles(json).failures.first)
            #expect(failure.field == "$distinct_id")
            #expect(failure.code == code)
        }
        let numeric = try validateProfiles(#"{"$token":"tok","$distinct_id":1001,"$set":{"a":1}}"#)
        #expect(numeric.accepted.first?.distinctId == "1001")
    }

    /// /groups needs $group_key and $group_id; `$append` is not a group operation.
    @Test func validatesGroupUpdates() throws {
        let ok = try validateProfiles(#"{"$token":"tok","$group_key":"company","$group_id":42,"$add":{"seats":1}}"#, .groups)
        let update = try #require(ok.accepted.first)
        #expect(update.kind == .group)
        #expect(update.groupKey == "company")
        #expect(update.groupId == "42")
        #expect(update.distinctId == "")
        #expect(update.operation == "$add")

        let noKey = try #require(try validateProfiles(#"{"$token":"tok","$group_id":"Acme","$set":{}}"#, .groups).failures.first)
        #expect(noKey.field == "$group_key")
        let noId = try #require(try validateProfiles(#"{"$token":"tok","$group_key":"company","$set":{}}"#, .groups).failures.first)
        #expect(noId.field == "$group_id")
        let append = try #require(try validateProfiles(
            #"{"$token":"tok","$group_key":"company","$group_id":"Acme","$append":{"l":1}}"#, .groups).failures.first)
        #expect(append.code == "unsupported_operation")
        #expect(append.field == "$append")
    }

    /// $token must name a project unless the request is authenticated.
    @Test func resolvesTheToken() throws {
        let missing = try #require(try validateProfiles(#"{"$distinct_id":"u","$set":{}}"#).failures.first)
        #expect(missing.field == "$token")
        #expect(missing.code == "invalid_token")
        let unknown = try #require(try validateProfiles(#"{"$token":"zzz","$distinct_id":"u","$set":{}}"#).failures.first)
        #expect(unknown.code == "invalid_token")
        #expect(try validateProfiles(#"{"$distinct_id":"u","$set":{}}"#, authenticated: 5).accepted.first?.project == 5)
        #expect(try validateProfiles(user(#""$set":{}"#, extra: ""), authenticated: 2).failures.first?.code
            == "token_project_mismatch")
    }

    /// $time in seconds or ms; absent means now; invalid fails on `$time`.
    @Test func readsTheUpdateTime() throws {
        #expect(try validateProfiles(user(#""$set":{}"#, extra: #""$time":1735689600.5,"#)).accepted.first?.timeMs
            == 1_735_689_600_500)
        #expect(try validateProfiles(user(#""$set":{}"#, extra: #""$time":1735689600500,"#)).accepted.first?.timeMs
            == 1_735_689_600_500)
        #expect(try validateProfiles(user(#""$set":{}"#, extra: #""$time":9999999999999,"#)).accepted.first?.timeMs
            == testNowMs)
        let invalid = try #require(try validateProfiles(user(#""$set":{}"#, extra: #""$time":"soon","#)).failures.first)
        #expect(invalid.field == "$time")
        #expect(invalid.code == "invalid_time")
    }

    /// Bad records fail with their index; neighbours are accepted; non-objects fail as records.
    @Test func reportsFailuresByIndex() throws {
        let json = "[" + user(#""$set":{}"#) + ",1," + user(#""$add":{"n":"x"}"#) + "," + user(#""$unset":[]"#) + "]"
        let result = try validateProfiles(json)
        #expect(result.accepted.map(\.index) == [0, 3])
        #expect(result.failures.map(\.index) == [1, 2])
        #expect(result.failures.map(\.code) == ["record_not_object", "invalid_field"])
    }

    /// Long strings in the update are truncated like event properties.
    @Test func truncatesLongStrings() throws {
        let long = String(repeating: "q", count: 300)
        let result = try validateProfiles(user(#""$set":{"bio":"\#(long)"}"#))
        #expect(result.accepted.first?.operationValue?["bio"] == .string(String(repeating: "q", count: 255)))
    }

    /// Profile records sent to an event endpoint are refused.
    @Test func refusesProfileValidationOnEventEndpoints() throws {
        let result = try validateProfiles(user(#""$set":{}"#), .track)
        #expect(result.failures.first?.code == "unsupported_operation")
    }

    /// Under Original ID merge a user update goes to the profile its id is an alias of, unless
    /// `$ignore_alias` is true; group updates never move.
    @Test func redirectsUserUpdatesThroughAliasesUnlessIgnored() throws {
        let aliases = ["nick": "user-1"]
        let canonical: (String) -> String = { aliases[$0] ?? $0 }
        let plain = try #require(try validateProfiles(#"{"$token":"tok","$distinct_id":"nick","$set":{"a":1}}"#).accepted.first)
        let moved = plain.redirected(canonical)
        #expect(moved.distinctId == "user-1" && moved.record["$distinct_id"] == .string("user-1"))
        #expect(moved.record["$set"] == plain.record["$set"])
        let ignoring = try #require(try validateProfiles(
            #"{"$token":"tok","$distinct_id":"nick","$ignore_alias":true,"$delete":""}"#).accepted.first)
        #expect(ignoring.redirected(canonical) == ignoring)
        let other = try #require(try validateProfiles(#"{"$token":"tok","$distinct_id":"u-2","$set":{"a":1}}"#).accepted.first)
        #expect(other.redirected(canonical) == other)
    }
}
