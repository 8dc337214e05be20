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
    /// Structural bytes (`{ [ , :`) outside strings in the records that will be parsed (those
    /// no larger than the record limit) and between them: roughly one per value or member the
    /// parse builds. The same count `JSONParser.structuralBytes` keeps.
    package var structuralBytes = 0
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
        _ input: UnsafeBufferPointer<UInt8>, depthMax: Int, recordsMax: Int, recordBytesMax: Int
    ) throws(RecordScanStop) -> RecordLayout {
        var layout = RecordLayout()
        let n = input.count
        /// Adds the record starting at `start` to the layout; returns the offset after it.
        func takeRecord(at start: Int, depth: Int) throws(RecordScanStop) -> Int {
            var structural = 0
            let end = try skipValue(input, from: start, depth: depth, depthMax: depthMax, structural: &structural)
            layout.ranges.append(start ..< end)
            if end - start <= recordBytesMax { layout.structuralBytes += structural }
            guard layout.ranges.count <= recordsMax else { throw .tooManyRecords }
            return end
        }
        var i = input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF ? 3 : 0
        i = skipWhitespace(input, from: i)
        guard i < n else { throw .empty }
        while i < n {
            switch input[i] {
            case Byte.openBracket:
                // A batch: each element is a record.
                layout.structuralBytes += 1
                i = skipWhitespace(input, from: i + 1)
                if i < n, input[i] == Byte.closeBracket {
                    i += 1
                } else {
                    while true {
                        guard i < n else { throw .invalid(offset: n, message: "the JSON text ended inside an array; close it with ']'") }
                        guard input[i] != Byte.comma && input[i] != Byte.closeBracket else {
                            throw .invalid(offset: i, message: "an array element is missing")
                        }
                        i = try takeRecord(at: i, depth: 2)
                        i = skipWhitespace(input, from: i)
                        guard i < n else { throw .invalid(offset: n, message: "the JSON text ended inside an array; close it with ']'") }
                        if input[i] == Byte.comma {
                            layout.structuralBytes += 1
                            i = skipWhitespace(input, from: i + 1)
                            continue
                        }
                        guard input[i] == Byte.closeBracket else {
                            throw .invalid(offset: i, message: "expected ',' or ']' in an array")
                        }
                        i += 1
                        break
                    }
                }
            case Byte.openBrace:
                i = try takeRecord(at: i, depth: 1)
            case Byte.quote: throw .notObject(kind: "string")
            case Byte.minus, Byte.digit0 ... Byte.digit9: throw .notObject(kind: "number")
            case Byte.letterT, Byte.letterF: throw .notObject(kind: "boolean")
            case Byte.letterN: throw .notObject(kind: "null")
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
            case Byte.quote:
                i = try skipString(input, from: i)
            case Byte.openBrace, Byte.openBracket:
                guard startDepth + expected.count <= depthMax else { throw .tooDeep(offset: i) }
                expected.append(b == Byte.openBrace ? Byte.closeBrace : Byte.closeBracket)
                structural += 1
                i += 1
            case Byte.closeBrace, Byte.closeBracket:
                guard let last = expected.last, last == b else {
                    throw .invalid(offset: i, message: "unexpected '\(Character(Unicode.Scalar(b)))'")
                }
                expected.removeLast()
                i += 1
            case Byte.comma, Byte.colon:
                guard !expected.isEmpty else { return i }
                structural += 1
                i += 1
            case Byte.space, Byte.tab, Byte.newline, Byte.carriageReturn:
                if expected.isEmpty { return i }
                i += 1
            default:
                i += 1
            }
        } while !expected.isEmpty || (i < n && !isDelimiter(input[i]))
        return i
    }

    /// The offset just after the string whose opening quote is at `start`. Runs without a
    /// quote or backslash are skipped eight bytes at a time.
    static func skipString(_ input: UnsafeBufferPointer<UInt8>, from start: Int) throws(RecordScanStop) -> Int {
        let n = input.count
        var i = start + 1
        if let base = input.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while true {
                while i + 8 <= n {
                    let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let q = v ^ (ones &* 0x22) // '"'
                    let b = v ^ (ones &* 0x5C) // '\\'
                    if ((q &- ones) & ~q | (b &- ones) & ~b) & highs != 0 { break }
                    i += 8
                }
                guard i < n else { break }
                let byte = input[i]
                if byte == 0x22 { return i + 1 }
                i += byte == 0x5C ? 2 : 1
            }
        }
        throw .invalid(offset: n, message: "a string is not terminated; close it with '\"'")
    }

    static func isDelimiter(_ b: UInt8) -> Bool {
        b == Byte.comma || b == Byte.colon || b == Byte.closeBracket || b == Byte.closeBrace || b == Byte.openBrace
            || b == Byte.openBracket || b == Byte.quote || isWhitespace(b)
    }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool {
        b == Byte.space || b == Byte.newline || b == Byte.carriageReturn || b == Byte.tab
    }

    static func skipWhitespace(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < input.count, isWhitespace(input[i]) { i += 1 }
        return i
    }
}

/// The bytes the scanner looks at, as constants of this module (the shared table in ApusModel
/// is reached through an accessor call per byte from here).
private enum Byte {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let digit0: UInt8 = 0x30
    static let digit9: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let letterF: UInt8 = 0x66
    static let letterN: UInt8 = 0x6E
    static let letterT: UInt8 = 0x74
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
}
