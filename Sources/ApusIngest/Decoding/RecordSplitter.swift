// JSON payload bytes → records. One grammar covers every body shape the clients send:
// a single object, an array of objects (batch), or several of either separated by whitespace
// (NDJSON, spec §1.1 F). Top-level arrays are flattened; each record keeps the byte size of its
// text so validation can enforce `recordBytesMax` without serialising anything again.

import ApusModel

/// Splits a JSON payload into records.
enum RecordSplitter {
    /// The records in `bytes` and the size of each one's JSON text.
    /// - Throws: `no_data` for an empty payload, `invalid_json`, `invalid_payload` for a top-level
    ///   value that is not an object or array, `too_many_records` past `batchRecordsMax`.
    static func split(
        _ bytes: [UInt8], limits: IngestLimits, origin: String
    ) throws(IngestError) -> (records: [JSONValue], byteCounts: [Int]) {
        var records: [JSONValue] = []
        var ranges: [Range<Int>] = []
        let stop: Stop?
        do throws(JSONParseError) {
            stop = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> Stop? in
                try parse(buffer, limits: limits, records: &records, ranges: &ranges)
            }
        } catch {
            throw IngestError(.invalidJSON, "the \(origin) is not valid JSON: \(error.message) (at byte \(error.offset))")
        }
        switch stop {
        case nil:
            return (records, ranges.map(\.count))
        case .empty:
            throw IngestError(.noData, "the \(origin) holds no JSON; send an event object or an array of events")
        case .notObject(let value):
            throw IngestError(
                .invalidPayload,
                "the \(origin) is a JSON \(value.kindName), not an object or an array of objects; "
                    + "send {\"event\": …, \"properties\": {…}} or a list of those")
        case .tooManyRecords:
            throw IngestError(
                .tooManyRecords,
                "the request holds more than \(limits.batchRecordsMax) records; "
                    + "send at most \(limits.batchRecordsMax) per request")
        }
    }

    private enum Stop {
        case empty
        case notObject(JSONValue)
        case tooManyRecords
    }

    private static func parse(
        _ buffer: UnsafeBufferPointer<UInt8>, limits: IngestLimits,
        records: inout [JSONValue], ranges: inout [Range<Int>]
    ) throws(JSONParseError) -> Stop? {
        var parser = JSONParser(buffer, depthMax: limits.jsonDepthMax)
        parser.skipWhitespace()
        guard !parser.isAtEnd else { return .empty }
        while !parser.isAtEnd {
            let start = parser.offset
            switch parser.nextByte {
            case .openBracket:
                let elements = try parser.parseArray(elementRanges: &ranges)
                if records.isEmpty { records = elements } else { records.append(contentsOf: elements) }
            case .openBrace:
                records.append(try parser.parseValue())
                ranges.append(start ..< parser.offset)
            default:
                return .notObject(try parser.parseValue())
            }
            guard records.count <= limits.batchRecordsMax else { return .tooManyRecords }
            parser.skipWhitespace()
        }
        return nil
    }
}

extension JSONValue {
    /// The JSON type's name, for messages: "object", "array", "string", "number", "boolean", "null".
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
