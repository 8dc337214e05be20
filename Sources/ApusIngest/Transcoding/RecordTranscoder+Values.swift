// The transcoder's ordinary property values: strings, numbers, literals and flat arrays are
// written from the text into the record in `ValueCodec`'s layout; anything else goes through a
// parsed value.

import ApusModel
import ApusStoreCore

extension RecordTranscoder {
    /// Writes one ordinary value: strings (cut to `stringBytesMax`), numbers, literals and
    /// flat arrays of them from the text; other containers through a parsed value (rare in events).
    mutating func transcodeValue(openContainers: Int) throws(TranscodeStop) {
        switch parser.nextByte {
        case .quote?:
            try transcodeString()
        case .minus?, (.digit0 ... .digit9)?:
            try transcodeNumber()
        case .letterT?, .letterF?, .letterN?:
            if !transcodeLiteral() { try transcodeParsed(openContainers: openContainers) }
        case .openBracket?:
            if try !transcodeFlatArray(openContainers: openContainers) { try transcodeParsed(openContainers: openContainers) }
        default:
            try transcodeParsed(openContainers: openContainers)
        }
    }

    /// The string at the parser's offset, cut to `stringBytesMax`.
    @inline(__always)
    mutating func transcodeString() throws(TranscodeStop) {
        if !escapedValue.isEmpty { escapedValue.removeAll(keepingCapacity: true) }
        let range = try Self.readString(&parser, into: &escapedValue)
        let bytes = range.map { UnsafeBufferPointer(rebasing: input[$0]) }
        let count = bytes?.count ?? escapedValue.count
        properties.u8(ValueTag.string.rawValue)
        if count > limits.stringBytesMax {
            let text = bytes.map { String(decoding: $0, as: UTF8.self) } ?? String(decoding: escapedValue, as: UTF8.self)
            var cut = text.truncated(toUTF8Bytes: limits.stringBytesMax)
            cut.withUTF8 { properties.lengthPrefixed($0) }
        } else if let bytes {
            properties.lengthPrefixed(bytes)
        } else {
            escapedValue.withUnsafeBufferPointer { properties.lengthPrefixed($0) }
        }
    }

    @inline(__always)
    mutating func transcodeNumber() throws(TranscodeStop) {
        let number: Double
        do throws(JSONParseError) { number = try parser.readNumber() } catch { throw .payload }
        properties.number(number)
    }

    /// `true`, `false` or `null` spelled out at the parser's offset; false (nothing read) when
    /// the bytes are not one of them, for the parser to judge.
    @inline(__always)
    mutating func transcodeLiteral() -> Bool {
        let tag: ValueTag
        if skipLiteral("true") {
            tag = .true
        } else if skipLiteral("false") {
            tag = .false
        } else if skipLiteral("null") {
            tag = .null
        } else {
            return false
        }
        properties.u8(tag.rawValue)
        return true
    }

    /// An array of strings, numbers and literals (`"tags":["a","b"]`), written element by element
    /// after a one-byte count. False, with nothing written and the parser where it was, for an
    /// array holding a container, of 128 or more elements, or one level past the depth limit:
    /// the parsed value writes those.
    mutating func transcodeFlatArray(openContainers: Int) throws(TranscodeStop) -> Bool {
        guard openContainers + 1 <= limits.jsonDepthMax else { return false }
        let start = parser.offset, written = properties.count
        func giveUp() -> Bool {
            parser.move(to: start)
            properties.removeLast(properties.count - written)
            return false
        }
        properties.u8(ValueTag.array.rawValue)
        properties.u8(0)
        advance() // '['
        parser.skipWhitespace()
        var count = 0
        if parser.nextByte == .closeBracket {
            advance()
            return true
        }
        while true {
            switch parser.nextByte {
            case .quote?: try transcodeString()
            case .minus?, (.digit0 ... .digit9)?: try transcodeNumber()
            case .letterT?, .letterF?, .letterN?: if !transcodeLiteral() { return giveUp() }
            default: return giveUp()
            }
            count += 1
            guard count < 128 else { return giveUp() }
            parser.skipWhitespace()
            let b = parser.nextByte
            if b == .comma {
                advance()
                parser.skipWhitespace()
            } else if b == .closeBracket {
                advance()
                properties.patch(at: written + 1, UInt8(count))
                return true
            } else {
                return giveUp()
            }
        }
    }

    /// Any other value, parsed and encoded.
    mutating func transcodeParsed(openContainers: Int) throws(TranscodeStop) {
        let value = try parseValue(openContainers: openContainers)
        properties.value(value.truncatingStrings(toUTF8Bytes: limits.stringBytesMax))
    }
}
