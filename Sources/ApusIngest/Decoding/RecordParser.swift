// The one-pass path for payloads no larger than a single record may be (see LocatedPayload):
// parse every record while finding it, keeping each one's byte range and the structural
// bytes consumed, with the same refusals as RecordScanner.

import ApusModel

enum RecordParser {
    /// The records of `input` and their layout.
    static func parse(
        _ input: UnsafeBufferPointer<UInt8>, depthMax: Int, recordsMax: Int
    ) throws(RecordScanStop) -> ([JSONValue], RecordLayout) {
        var records: [JSONValue] = []
        var layout = RecordLayout()
        var parser = JSONParser(input, depthMax: depthMax)
        let stop: RecordScanStop?
        do throws(JSONParseError) {
            stop = try parseAll(&parser, recordsMax: recordsMax, records: &records, ranges: &layout.ranges)
        } catch {
            if error.kind == .depthExceeded { throw .tooDeep(offset: error.offset) }
            throw .invalid(offset: error.offset, message: error.message)
        }
        if let stop { throw stop }
        layout.structuralBytes = parser.structuralBytes
        return (records, layout)
    }

    private static func parseAll(
        _ parser: inout JSONParser, recordsMax: Int, records: inout [JSONValue], ranges: inout [Range<Int>]
    ) throws(JSONParseError) -> RecordScanStop? {
        parser.skipWhitespace()
        guard !parser.isAtEnd else { return .empty }
        while let byte = parser.nextByte {
            let start = parser.offset
            switch byte {
            case .openBracket:
                let elements = try parser.parseArray(elementRanges: &ranges)
                if records.isEmpty { records = elements } else { records.append(contentsOf: elements) }
            case .openBrace:
                records.append(try parser.parseValue())
                ranges.append(start ..< parser.offset)
            default:
                return .notObject(kind: try parser.parseValue().kindName)
            }
            guard records.count <= recordsMax else { return .tooManyRecords }
            parser.skipWhitespace()
        }
        return nil
    }
}
