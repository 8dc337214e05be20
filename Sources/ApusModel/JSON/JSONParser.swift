// A hand-written, byte-level JSON parser (RFC 8259) producing `JSONValue`.
// Foundation's decoders are an order of magnitude too slow for the ingest path, so this walks
// the bytes once, keeps objects as member lists in arrival order, and allocates each object
// and array exactly once (members are gathered on a reusable stack and copied out when the
// container closes). A key repeated within an object keeps its first position and its last
// value, as JavaScript's `JSON.parse` does (JSONParser+DuplicateKeys.swift). Strings and numbers
// live in JSONParser+String.swift and JSONParser+Number.swift.

/// A JSON parser over a buffer of UTF-8 bytes.
///
/// Use the static `parse` functions for a whole document, `parseSequence` for
/// whitespace-separated values (NDJSON), or drive an instance with `parseValue()` and
/// `parseArray(elementRanges:)` when the byte extent of each value matters.
///
/// Strings must be valid UTF-8; a lone UTF-16 surrogate written as `\uXXXX` (which
/// JavaScript produces when it truncates a string mid-pair) becomes U+FFFD.
public struct JSONParser {
    /// The default limit on nesting of objects and arrays.
    public static let depthMaxDefault = 64

    /// Objects and arrays may nest at most this deep; deeper input is refused.
    public let depthMax: Int

    @usableFromInline let input: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    public internal(set) var offset: Int {
        get { position }
        set { position = newValue }
    }
    /// `offset`'s storage (what inlinable code reads and moves).
    @usableFromInline var position: Int
    var depth = 0
    /// Structural bytes (`{ [ , :`) consumed so far: roughly one per value or member built,
    /// which is what a parse costs in memory beyond the text itself.
    public internal(set) var structuralBytes = 0
    let memberStack = JSONParserStack<JSONMember>()
    /// Whether the last string parsed held escapes (its text is then not its bytes).
    var lastStringWasEscaped = false
    let valueStack = JSONParserStack<JSONValue>()
    @usableFromInline var scratch: [UInt8] = []

    /// Creates a parser reading `input` from its start (after a UTF-8 byte order mark, if any).
    /// The buffer must stay valid while the parser is used.
    public init(_ input: UnsafeBufferPointer<UInt8>, depthMax: Int = JSONParser.depthMaxDefault) {
        self.input = input
        self.depthMax = depthMax
        let hasBOM = input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF
        self.position = hasBOM ? 3 : 0
    }

    /// True when every byte has been read. Call `skipWhitespace()` first to ignore trailing space.
    @inlinable public var isAtEnd: Bool { position >= input.count }

    /// The next byte without consuming it, or nil at the end.
    @inlinable public var nextByte: UInt8? { position < input.count ? input[position] : nil }

    /// Moves past spaces, tabs, carriage returns and newlines.
    @inlinable @inline(__always) public mutating func skipWhitespace() {
        var i = position
        let n = input.count
        // Compact JSON (most payloads) has none: one comparison answers.
        if i < n && input[i] > .space { return }
        while i < n {
            let b = input[i]
            guard b == .space || b == .newline || b == .carriageReturn || b == .tab else { break }
            i += 1
        }
        position = i
    }

    /// Parses one value starting at the next non-whitespace byte, leaving the offset just after it.
    public mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard offset < input.count else {
            throw error(.unexpectedEnd, "the JSON text ended where a value was expected")
        }
        switch input[offset] {
        case .openBrace:
            return .object(try parseObjectMembers())
        case .openBracket:
            return .array(try parseArrayElements(ranges: nil))
        case .quote:
            return .string(try parseString())
        case .letterT:
            try expectLiteral("true")
            return .bool(true)
        case .letterF:
            try expectLiteral("false")
            return .bool(false)
        case .letterN:
            try expectLiteral("null")
            return .null
        case .minus, .digit0 ... .digit9:
            return .number(try parseNumber())
        default:
            throw unexpectedByte(expecting: "a value (object, array, string, number, true, false or null)")
        }
    }

    /// Continues reading at `offset` of the input (for callers that walk the input themselves).
    @inlinable public mutating func move(to offset: Int) {
        precondition(offset >= 0 && offset <= input.count, "offset outside the input")
        position = offset
    }

    /// Parses one value as if `depth` containers were already open around it, so the nesting
    /// limit counts from the enclosing document: a caller that walks the outer containers itself
    /// still refuses what a whole-document parse would.
    public mutating func parseValue(depth openContainers: Int) throws(JSONParseError) -> JSONValue {
        depth = openContainers
        defer { depth = 0 }
        return try parseValue()
    }

    /// Parses the one value whose text is exactly `range` of the input (no surrounding
    /// whitespace), reusing this parser's scratch space; error offsets count from the start
    /// of the whole input.
    public mutating func parseValue(exactly range: Range<Int>) throws(JSONParseError) -> JSONValue {
        precondition(range.lowerBound >= 0 && range.upperBound <= input.count, "range outside the input")
        offset = range.lowerBound
        depth = 0
        guard offset < range.upperBound else {
            throw error(.unexpectedEnd, "the JSON text ended where a value was expected")
        }
        guard !input[offset].isJSONWhitespace else { throw unexpectedByte(expecting: "a value") }
        let value = try parseValue()
        guard offset == range.upperBound else {
            throw error(.trailingData, "unexpected data after the value; separate values with ',' or whitespace")
        }
        return value
    }

    /// Parses an array starting at the next non-whitespace byte and appends to `elementRanges`
    /// the byte range of each element's text (without surrounding whitespace).
    public mutating func parseArray(elementRanges: inout [Range<Int>]) throws(JSONParseError) -> [JSONValue] {
        skipWhitespace()
        guard offset < input.count, input[offset] == .openBracket else {
            if offset >= input.count { throw error(.unexpectedEnd, "the JSON text ended where an array was expected") }
            throw unexpectedByte(expecting: "'['")
        }
        return try parseArrayElements(ranges: &elementRanges)
    }

    // MARK: - Containers

    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > depthMax {
            throw error(.depthExceeded, "objects and arrays nest more than \(depthMax) levels deep; flatten the data")
        }
    }

    mutating func parseObjectMembers() throws(JSONParseError) -> [JSONMember] {
        try enterContainer()
        offset += 1 // '{'
        structuralBytes += 1
        skipWhitespace()
        if offset < input.count, input[offset] == .closeBrace {
            offset += 1
            depth -= 1
            return []
        }
        let base = memberStack.count
        var keyIndex: [ByteKey: Int]? = nil
        var signatureBits: (UInt64, UInt64) = (0, 0) // one bit per signature seen: most new keys need no search
        while true {
            skipWhitespace()
            guard offset < input.count else {
                throw error(.unexpectedEnd, "the JSON text ended inside an object; close it with '}'")
            }
            guard input[offset] == .quote else { throw unexpectedByte(expecting: "a member name in double quotes") }
            let keyStart = offset + 1
            let key = try parseString()
            let signature = lastStringWasEscaped ? Self.keySignature(of: key) : keySignature(keyStart ..< offset - 1)
            skipWhitespace()
            guard offset < input.count else {
                throw error(.unexpectedEnd, "the JSON text ended inside an object; close it with '}'")
            }
            guard input[offset] == .colon else { throw unexpectedByte(expecting: "':' after the member name") }
            offset += 1
            structuralBytes += 1
            let value = try parseValue()
            let slot = (signature &* 0x9E37_79B9_7F4A_7C15) >> 57
            let bit: UInt64 = 1 << (slot & 63)
            let mayRepeat: Bool
            if slot < 64 {
                mayRepeat = signatureBits.0 & bit != 0 || keyIndex != nil
                signatureBits.0 |= bit
            } else {
                mayRepeat = signatureBits.1 & bit != 0 || keyIndex != nil
                signatureBits.1 |= bit
            }
            if mayRepeat, let earlier = repeatedKeyPosition(key, base: base, index: keyIndex) {
                memberStack[base + earlier].value = value
            } else {
                memberStack.push(JSONMember(key, value))
                let count = memberStack.count - base
                if keyIndex != nil {
                    keyIndex![ByteKey(key)] = count - 1
                } else if count > Self.pairwiseKeyCheckMax {
                    keyIndex = indexOfKeys(from: base)
                }
            }
            skipWhitespace()
            guard offset < input.count else {
                throw error(.unexpectedEnd, "the JSON text ended inside an object; close it with '}'")
            }
            let b = input[offset]
            offset += 1
            if b == .comma {
                structuralBytes += 1
                continue
            }
            if b == .closeBrace { break }
            offset -= 1
            throw unexpectedByte(expecting: "',' or '}' in an object")
        }
        depth -= 1
        return memberStack.popAll(from: base)
    }

    mutating func parseArrayElements(ranges: UnsafeMutablePointer<[Range<Int>]>?) throws(JSONParseError) -> [JSONValue] {
        try enterContainer()
        offset += 1 // '['
        structuralBytes += 1
        skipWhitespace()
        if offset < input.count, input[offset] == .closeBracket {
            offset += 1
            depth -= 1
            return []
        }
        let base = valueStack.count
        while true {
            skipWhitespace()
            let start = offset
            let value = try parseValue()
            ranges?.pointee.append(start ..< offset)
            valueStack.push(value)
            skipWhitespace()
            guard offset < input.count else {
                throw error(.unexpectedEnd, "the JSON text ended inside an array; close it with ']'")
            }
            let b = input[offset]
            offset += 1
            if b == .comma {
                structuralBytes += 1
                continue
            }
            if b == .closeBracket { break }
            offset -= 1
            throw unexpectedByte(expecting: "',' or ']' in an array")
        }
        depth -= 1
        return valueStack.popAll(from: base)
    }

    mutating func parseArrayElements(ranges: inout [Range<Int>]) throws(JSONParseError) -> [JSONValue] {
        try withUnsafeMutablePointer(to: &ranges) { (pointer) throws(JSONParseError) -> [JSONValue] in
            try parseArrayElements(ranges: pointer)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let bytes = literal.utf8Start
        for k in 0 ..< count {
            guard offset + k < input.count else {
                offset += k
                throw error(.unexpectedEnd, "the JSON text ended inside the literal '\(literal)'")
            }
            guard input[offset + k] == bytes[k] else {
                offset += k
                throw unexpectedByte(expecting: "the literal '\(literal)'")
            }
        }
        offset += count
    }

    // MARK: - Errors

    @usableFromInline func error(_ kind: JSONParseError.Kind, _ message: String, at position: Int? = nil) -> JSONParseError {
        JSONParseError(kind, offset: position ?? offset, message: message)
    }

    func unexpectedByte(expecting expected: String) -> JSONParseError {
        let b = input[offset]
        let shown: String
        if b >= 0x21 && b < 0x7F {
            shown = "'\(Character(Unicode.Scalar(b)))'"
        } else {
            shown = "byte 0x\(String(b, radix: 16, uppercase: true))"
        }
        return error(.unexpectedByte, "unexpected \(shown); expected \(expected)")
    }
}

extension JSONParser {
    /// Parses one complete JSON document; anything but whitespace after the value is an error.
    public static func parse(
        _ buffer: UnsafeBufferPointer<UInt8>, depthMax: Int = depthMaxDefault
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(buffer, depthMax: depthMax)
        parser.skipWhitespace()
        guard !parser.isAtEnd else {
            throw parser.error(.empty, "the JSON text is empty; send an object or an array")
        }
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.isAtEnd else {
            throw parser.error(.trailingData, "unexpected data after the JSON value; send exactly one value")
        }
        return value
    }

    /// Parses one complete JSON document from bytes.
    public static func parse(_ bytes: [UInt8], depthMax: Int = depthMaxDefault) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            try parse(buffer, depthMax: depthMax)
        }
    }

    /// Parses one complete JSON document from text.
    public static func parse(_ text: String, depthMax: Int = depthMaxDefault) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), depthMax: depthMax)
    }

    /// Parses a sequence of JSON values separated by whitespace, e.g. NDJSON (one per line).
    /// Empty input gives an empty list.
    public static func parseSequence(
        _ buffer: UnsafeBufferPointer<UInt8>, depthMax: Int = depthMaxDefault
    ) throws(JSONParseError) -> [JSONValue] {
        var parser = JSONParser(buffer, depthMax: depthMax)
        var values: [JSONValue] = []
        parser.skipWhitespace()
        while !parser.isAtEnd {
            values.append(try parser.parseValue())
            parser.skipWhitespace()
        }
        return values
    }

    /// Parses a sequence of JSON values separated by whitespace from bytes.
    public static func parseSequence(_ bytes: [UInt8], depthMax: Int = depthMaxDefault) throws(JSONParseError) -> [JSONValue] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> [JSONValue] in
            try parseSequence(buffer, depthMax: depthMax)
        }
    }
}
