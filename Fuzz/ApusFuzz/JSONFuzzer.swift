// Target `json`: the JSON parser on raw bytes. Invariants:
// - whatever parses re-parses from the writer's output to an equal value, and the writer's
//   output is a fixed point (writing the re-parsed value gives the same bytes);
// - `parseSequence` agrees with `parse` on a single value;
// - no object keeps two members with the same key (compared as bytes), and writing every
//   member twice (first with a null value and the key spelled with `\u` escapes, or the other
//   way round) parses back to the same value: the first position, the last value;
// - a tighter depth limit refuses exactly the values nested deeper than it;
// - `PayloadDecoder` on a JSON body, both through its one-pass `RecordParser` (payloads up to
//   one record's size) and through `RecordScanner` + per-record parsing (forced with
//   `onePassBytesMax: 0`), accepts exactly the payloads the parser accepts as a sequence of
//   objects and arrays, and yields the same records as flattening the parser's values.

import ApusIngest
import ApusModel

enum JSONFuzzer {
    /// The tighter depth limit compared against the default.
    static let shallowDepthMax = 4

    static func run(_ bytes: [UInt8]) {
        let single = try? JSONParser.parse(bytes)
        let sequence = try? JSONParser.parseSequence(bytes)

        if let single {
            checkRoundTrip(single)
            checkUniqueKeys(single)
            checkRepeatedKeys(single, escapeFirst: bytes.count % 2 == 0)
            require(sequence == [single], "parseSequence disagrees with parse on one value")
        } else if let sequence {
            for value in sequence { checkRoundTrip(value) }
        }

        let shallow = try? JSONParser.parse(bytes, depthMax: shallowDepthMax)
        if let shallow {
            require(shallow == single, "a depth limit of \(shallowDepthMax) parsed a value the default limit did not")
        } else if let single {
            require(depth(of: single) > shallowDepthMax,
                    "a depth limit of \(shallowDepthMax) refused a value only \(depth(of: single)) deep")
        }

        checkRecordScanner(bytes, sequence: sequence)
    }

    /// Writer → parser → writer gives the same value and the same bytes.
    static func checkRoundTrip(_ value: JSONValue) {
        let text = JSONWriter.bytes(value)
        let again: JSONValue
        do {
            again = try JSONParser.parse(text)
        } catch {
            fatalError("invariant violated: the writer's output does not parse: \(error); output: \(show(text))")
        }
        require(again == value, "the writer's output parses to a different value: \(show(text))")
        let textAgain = JSONWriter.bytes(again)
        require(textAgain == text, "writing is not a fixed point: \(show(text)) then \(show(textAgain))")
    }

    /// No object holds two members whose keys have the same bytes.
    static func checkUniqueKeys(_ value: JSONValue) {
        switch value {
        case .object(let members):
            var seen = Set<[UInt8]>()
            for member in members {
                require(seen.insert(Array(member.key.utf8)).inserted, "key \(member.key.debugDescription) kept twice")
                checkUniqueKeys(member.value)
            }
        case .array(let elements):
            for element in elements { checkUniqueKeys(element) }
        case .null, .bool, .number, .string:
            break
        }
    }

    /// Every member written twice, the first time with a null value, parses back to `value`
    /// byte for byte. One of the two spellings of each key uses `\u` escapes throughout.
    static func checkRepeatedKeys(_ value: JSONValue, escapeFirst: Bool) {
        var text: [UInt8] = []
        writeRepeatingKeys(value, escapeFirst: escapeFirst, into: &text)
        let again: JSONValue
        do {
            again = try JSONParser.parse(text)
        } catch {
            fatalError("invariant violated: repeated keys do not parse: \(error); text: \(show(text))")
        }
        require(JSONWriter.bytes(again) == JSONWriter.bytes(value),
                "repeated keys did not keep the first position and the last value: \(show(text))")
    }

    static func writeRepeatingKeys(_ value: JSONValue, escapeFirst: Bool, into out: inout [UInt8]) {
        switch value {
        case .object(let members):
            out.append(.openBrace)
            for member in members {
                writeKey(member.key, escaped: escapeFirst, into: &out)
                out.append(contentsOf: Array(":null,".utf8))
            }
            for (k, member) in members.enumerated() {
                if k > 0 { out.append(.comma) }
                writeKey(member.key, escaped: !escapeFirst, into: &out)
                out.append(.colon)
                writeRepeatingKeys(member.value, escapeFirst: escapeFirst, into: &out)
            }
            out.append(.closeBrace)
        case .array(let elements):
            out.append(.openBracket)
            for (k, element) in elements.enumerated() {
                if k > 0 { out.append(.comma) }
                writeRepeatingKeys(element, escapeFirst: escapeFirst, into: &out)
            }
            out.append(.closeBracket)
        case .null, .bool, .number, .string:
            JSONWriter.write(value, into: &out)
        }
    }

    /// `key` as a JSON string, plainly or with every UTF-16 code unit as `\uXXXX`.
    static func writeKey(_ key: String, escaped: Bool, into out: inout [UInt8]) {
        guard escaped else {
            JSONWriter.writeString(key, into: &out)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        out.append(.quote)
        for unit in key.utf16 {
            out.append(.backslash)
            out.append(UInt8(ascii: "u"))
            for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int(unit >> UInt16(shift) & 0xF)]) }
        }
        out.append(.quote)
    }

    /// The decoder with a JSON body must agree with the parser (see the file header).
    static func checkRecordScanner(_ bytes: [UInt8], sequence: [JSONValue]?) {
        // Only bodies the decoder reads as raw JSON, not as a form.
        guard let first = bytes.first(where: { !$0.isJSONWhitespace }), first == .openBrace || first == .openBracket else {
            return
        }
        let limits = IngestLimits.standard
        let request = IngestRequest(endpoint: .importEvents, body: bytes, contentType: "application/json")
        var expected: [JSONValue]?
        if let sequence, sequence.allSatisfy({ $0.objectMembers != nil || $0.isArray }) {
            expected = sequence.flatMap { value -> [JSONValue] in
                if case .array(let elements) = value { return elements }
                return [value]
            }
        }
        for (path, onePassBytesMax) in [("one-pass", nil), ("scanner", 0)] as [(String, Int?)] {
            let decoded: Result<DecodedPayload, IngestError>
            do {
                decoded = .success(try PayloadDecoder.locate(request, limits: limits, onePassBytesMax: onePassBytesMax)
                    .parse(limits: limits))
            } catch {
                decoded = .failure(error)
            }
            switch decoded {
            case .success(let payload):
                require(expected != nil, "the decoder (\(path)) accepted a body the parser refuses")
                require(payload.records == expected, "the decoder's records (\(path)) differ from the parser's values")
                require(payload.recordByteCounts.count == payload.records.count, "a record has no byte count (\(path))")
            case .failure(let error):
                if let expected, expected.count <= limits.batchRecordsMax {
                    fatalError("invariant violated: the decoder (\(path)) refused a body the parser accepts: \(error)")
                }
            }
        }
    }

    /// Nesting depth: 0 for a scalar, 1 for a flat container.
    static func depth(of value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
        case .object(let members): 1 + (members.map { depth(of: $0.value) }.max() ?? 0)
        case .null, .bool, .number, .string: 0
        }
    }

    static func show(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(200), as: UTF8.self)
    }
}

extension JSONValue {
    var isArray: Bool {
        if case .array = self { return true }
        return false
    }
}
