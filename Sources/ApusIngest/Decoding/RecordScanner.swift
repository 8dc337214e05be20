// Finds where each record of a JSON payload starts and ends without building anything, so
// the request's limits (record count, 1 MB per record, nesting depth) are enforced before a
// single `JSONValue` exists, and the memory a parse will take can be estimated and budgeted
// first. (Parsing a 9 MB record of small numbers once cost ~210 MB before its size was seen.)
//
// One grammar covers every body shape the clients send: a single object, an array of
// objects (batch), or several of either separated by whitespace (NDJSON, spec §1.1 F).
// Top-level arrays are flattened. The scan checks structure only (brackets balance, strings
// close); each record's text is checked in full when `RecordParser` parses it.

import ApusModel

/// Where the records are in a payload.
package struct RecordLayout: Sendable, Equatable {
    /// The byte range of each record's JSON text, without surrounding whitespace.
    package var ranges: [Range<Int>] = []
    /// Structural bytes (`{ [ , :`) outside strings in each record (parallel to `ranges`):
    /// roughly one per value or member its parse will build.
    package var structuralBytes: [Int] = []
}

/// Why a payload has no usable layout.
enum RecordScanStop: Error, Equatable {
    /// Nothing but whitespace.
    case empty
    /// The structure is broken at `offset`.
    case invalid(offset: Int, message: String)
    /// A top-level value that is neither an object nor an array; `kind` names its JSON type.
    case notObject(kind: String)
    /// More records than allowed.
    case tooManyRecords
    /// Nested deeper than allowed.
    case tooDeep(offset: Int)
}

/// The byte scan that finds records.
enum RecordScanner {
    /// The layout of `input`.
    static func scan(
        _ input: UnsafeBufferPointer<UInt8>, depthMax: Int, recordsMax: Int
    ) throws(RecordScanStop) -> RecordLayout {
        var layout = RecordLayout()
        let n = input.count
        var i = input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF ? 3 : 0
        i = skipWhitespace(input, from: i)
        guard i < n else { throw .empty }
        while i < n {
            switch input[i] {
            case .openBracket:
                // A batch: each element is a record.
                i = skipWhitespace(input, from: i + 1)
                if i < n, input[i] == .closeBracket {
                    i += 1
                } else {
                    while true {
                        guard i < n else { throw .invalid(offset: n, message: "the JSON text ended inside an array; close it with ']'") }
                        guard input[i] != .comma && input[i] != .closeBracket else {
                            throw .invalid(offset: i, message: "an array element is missing")
                        }
                        let start = i
                        var structural = 0
                        i = try skipValue(input, from: i, depth: 2, depthMax: depthMax, structural: &structural)
                        layout.ranges.append(start ..< i)
                        layout.structuralBytes.append(structural)
                        guard layout.ranges.count <= recordsMax else { throw .tooManyRecords }
                        i = skipWhitespace(input, from: i)
                        guard i < n else { throw .invalid(offset: n, message: "the JSON text ended inside an array; close it with ']'") }
                        if input[i] == .comma {
                            i = skipWhitespace(input, from: i + 1)
                            continue
                        }
                        guard input[i] == .closeBracket else {
                            throw .invalid(offset: i, message: "expected ',' or ']' in an array")
                        }
                        i += 1
                        break
                    }
                }
            case .openBrace:
                let start = i
                var structural = 0
                i = try skipValue(input, from: i, depth: 1, depthMax: depthMax, structural: &structural)
                layout.ranges.append(start ..< i)
                layout.structuralBytes.append(structural)
                guard layout.ranges.count <= recordsMax else { throw .tooManyRecords }
            case .quote: throw .notObject(kind: "string")
            case .minus, .digit0 ... .digit9: throw .notObject(kind: "number")
            case .letterT, .letterF: throw .notObject(kind: "boolean")
            case .letterN: throw .notObject(kind: "null")
            default:
                throw .invalid(offset: i, message: "expected an object or an array")
            }
            i = skipWhitespace(input, from: i)
        }
        return layout
    }

    /// The offset just after the value starting at `start` (which is not whitespace).
    /// Containers are matched bracket for bracket and strings skipped escape-aware; scalars
    /// run to the next structural byte or whitespace (their grammar is the parser's job).
    static func skipValue(
        _ input: UnsafeBufferPointer<UInt8>, from start: Int, depth startDepth: Int, depthMax: Int,
        structural: inout Int
    ) throws(RecordScanStop) -> Int {
        let n = input.count
        var i = start
        // Closing brackets expected, innermost last; bounded by depthMax.
        var expected: [UInt8] = []
        repeat {
            guard i < n else { throw .invalid(offset: n, message: "the JSON text ended inside a value") }
            let b = input[i]
            switch b {
            case .quote:
                i = try skipString(input, from: i)
            case .openBrace, .openBracket:
                guard startDepth + expected.count <= depthMax else { throw .tooDeep(offset: i) }
                expected.append(b == .openBrace ? .closeBrace : .closeBracket)
                structural += 1
                i += 1
            case .closeBrace, .closeBracket:
                guard let last = expected.last, last == b else {
                    throw .invalid(offset: i, message: "unexpected '\(Character(Unicode.Scalar(b)))'")
                }
                expected.removeLast()
                i += 1
            case .comma, .colon:
                guard !expected.isEmpty else { return i }
                structural += 1
                i += 1
            case .space, .tab, .newline, .carriageReturn:
                if expected.isEmpty { return i }
                i += 1
            default:
                i += 1
            }
        } while !expected.isEmpty || (i < n && !isDelimiter(input[i]))
        return i
    }

    /// The offset just after the string whose opening quote is at `start`.
    static func skipString(_ input: UnsafeBufferPointer<UInt8>, from start: Int) throws(RecordScanStop) -> Int {
        let n = input.count
        var i = start + 1
        while i < n {
            let b = input[i]
            if b == .quote { return i + 1 }
            i += b == .backslash ? 2 : 1
        }
        throw .invalid(offset: n, message: "a string is not terminated; close it with '\"'")
    }

    static func isDelimiter(_ b: UInt8) -> Bool {
        b == .comma || b == .colon || b == .closeBracket || b == .closeBrace || b == .openBrace
            || b == .openBracket || b == .quote || b.isJSONWhitespace
    }

    static func skipWhitespace(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < input.count, input[i].isJSONWhitespace { i += 1 }
        return i
    }
}
