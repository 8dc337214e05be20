// Strings longer than 255 UTF-8 bytes are cut at a character boundary, never refused.

import ApusIngest
import ApusModel
import Testing

struct StringTruncationTests {
    func event(_ extra: String, name: String = "e") throws -> Event {
        let json = #"{"event":"\#(name)","properties":{"token":"tok",\#(extra)}}"#
        return try #require(try validate(json).accepted.first?.event)
    }

    /// An ASCII string of 300 bytes keeps its first 255.
    @Test func truncatesLongASCIIStrings() throws {
        let long = String(repeating: "abcde", count: 60)
        let event = try event(#""s":"\#(long)","short":"ok""#)
        #expect(event.properties[key: "s"] == .string(String(long.prefix(255))))
        #expect(event.properties[key: "short"] == .string("ok"))
    }

    /// Multi-byte characters are never split: 2-byte "é" × 200 keeps 127 characters (254 bytes).
    @Test func cutsAtACharacterBoundary() throws {
        let event = try event(#""s":"\#(String(repeating: "é", count: 200))""#)
        #expect(event.properties[key: "s"] == .string(String(repeating: "é", count: 127)))
        let emoji = String(repeating: "a", count: 253) + "👍🏽" // 4 + 4 bytes, one character
        let cut = try self.event(#""s":"\#(emoji)""#)
        #expect(cut.properties[key: "s"] == .string(String(repeating: "a", count: 253)))
    }

    /// Strings inside arrays and objects, the event name and the distinct id are truncated too.
    @Test func truncatesNestedStringsNamesAndDistinctIds() throws {
        let long = String(repeating: "z", count: 400)
        let event = try event(#""list":["\#(long)",1],"obj":{"k":"\#(long)"},"distinct_id":"\#(long)""#, name: long)
        let cut = String(repeating: "z", count: 255)
        #expect(event.name == cut)
        #expect(event.distinctId == cut)
        #expect(event.properties[key: "list"] == .array([.string(cut), .number(1)]))
        #expect(event.properties[key: "obj"] == .object([JSONMember("k", .string(cut))]))
    }

    /// The limit is configurable.
    @Test func honoursAConfiguredLimit() throws {
        let json = #"{"event":"e","properties":{"token":"tok","s":"abcdef"}}"#
        let result = try validate(json, eventContext(limits: IngestLimits(stringBytesMax: 3)))
        #expect(result.accepted.first?.event.properties[key: "s"] == .string("abc"))
    }
}
