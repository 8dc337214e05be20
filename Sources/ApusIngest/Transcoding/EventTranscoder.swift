// Event payloads straight from JSON text to store records (EventCodec's layout), in one pass,
// without a `JSONValue` tree or an `Event` per record: ordinary members are copied from the
// input into the record as they are read. Only the few special properties (token, time,
// distinct_id, $insert_id, ip, $device_id, $user_id) become values, and `EventValidation.decide` applies to them the
// same rules, in the same order, as the general path.
//
// The general path stays the reference. Anything unusual goes to it, so every reply is the
// one it would give:
// - per record, a record that breaks a rule, repeats a key (of its own or of its properties),
//   has a non-string `event` or a non-object `properties`: that record is parsed into a value
//   and validated by `EventValidation.validate`, with the same insert-id generator;
// - for the whole payload, anything that makes the request fail or the records move (invalid
//   JSON, a non-object record, an oversized record, too many records, nothing at all) and
//   configured geolocation: the transcoder declines (nil) and the caller takes the general
//   path from the start.

import ApusModel
import ApusStoreCore

/// What the transcoder made of an event payload.
package struct TranscodedEvents: Sendable {
    /// Accepted records, in request order.
    package var records = EventRecords()
    /// The project of each record in `records`.
    package var projects: [ProjectID] = []
    /// Records refused, in request order.
    package var failures: [RecordFailure] = []
    /// Records dropped on purpose (`$ignore`).
    package var ignored = 0
    /// Records taken by the general path (for tests and profiles).
    package var generalRecords = 0
    /// What a bulk load needs of each accepted record, when asked for (`notingHeads`).
    package var heads = RecordHeads()

    package init() {}
}

/// Transcodes event payloads (`/track`, `/import`).
package enum EventTranscoder {
    /// The records of `payload` (the JSON text a `PayloadDecoder` extracted), validated by
    /// `context`'s rules; nil when the general path must answer (see the file's comment).
    package static func transcode(_ payload: [UInt8], context: EventValidationContext) -> TranscodedEvents? {
        let limits = context.limits
        guard context.geoLocator == nil, limits.jsonDepthMax >= 3, payload.count <= limits.requestBytesMax else { return nil }
        return payload.withUnsafeBufferPointer { buffer in
            // A payload that may hold a record over the size limit is scanned first (structure
            // only, nothing built), so such a record is never read into values: the general
            // path then refuses it by its size alone.
            if buffer.count > limits.recordBytesMax {
                guard let layout = try? RecordScanner.scan(buffer, depthMax: limits.jsonDepthMax, recordsMax: limits.batchRecordsMax,
                                                           recordBytesMax: limits.recordBytesMax),
                      layout.ranges.allSatisfy({ $0.count <= limits.recordBytesMax }) else { return nil }
                return transcode(buffer, ranges: layout.ranges, context: context)
            }
            var transcoder = RecordTranscoder(buffer, context: context)
            do throws(TranscodeStop) {
                try transcoder.run()
                return transcoder.output
            } catch {
                return nil
            }
        }
    }
}

extension EventTranscoder {
    /// The records whose JSON texts are `ranges` of `text` (each a whole value, as an import
    /// file's splitter finds them); failures are indexed by range. Nil when the general path
    /// must answer (a range that is not one valid JSON object, geolocation configured).
    /// With `notingHeads`, each accepted record's `RecordHeads` entry is noted as it is written.
    package static func transcode(
        _ text: UnsafeBufferPointer<UInt8>, ranges: [Range<Int>], context: EventValidationContext, notingHeads: Bool = false
    ) -> TranscodedEvents? {
        guard context.geoLocator == nil, context.limits.jsonDepthMax >= 3 else { return nil }
        var transcoder = RecordTranscoder(text, context: context)
        transcoder.notesHeads = notingHeads
        do throws(TranscodeStop) {
            for range in ranges {
                transcoder.parser.move(to: range.lowerBound)
                guard transcoder.parser.nextByte == .openBrace else { return nil }
                try transcoder.record(openContainers: 0)
                guard transcoder.parser.offset == range.upperBound else { return nil }
            }
            return transcoder.output
        } catch {
            return nil
        }
    }
}

/// Why the transcoder stopped.
enum TranscodeStop: Error {
    /// The whole payload must take the general path.
    case payload
    /// This record must take the general path.
    case record
}

/// One payload's walk.
struct RecordTranscoder: ~Copyable {
    let input: UnsafeBufferPointer<UInt8>
    let limits: IngestLimits
    var parser: JSONParser
    var validation: EventValidation
    var output = TranscodedEvents()
    /// The record being written: its properties (key, value pairs), how many were written, and
    /// how many `properties` held (special ones included).
    var properties = ByteScratch(capacity: 4096)
    /// The record's fields before its properties (time, name, ids, property count), then the
    /// whole record once the properties and the server's are added after them.
    var head = ByteScratch(capacity: 4096)
    var writtenCount = 0
    var memberCount = 0
    /// Decoded bytes of an escaped key or value, and of the event's name.
    var escapedKey: [UInt8] = []
    var escapedValue: [UInt8] = []
    var name: [UInt8] = []
    /// Key hashes of the open properties object, and a 128-bit filter over them.
    var keyHashes = KeyHashes()
    var keyFilter: (UInt64, UInt64) = (0, 0)
    /// The last record's properties keys by position (most records repeat their keys in order).
    var keyGuesses = KeyGuesses()
    /// The server's own properties, the same for every record of the request, encoded once.
    let serverProperties: [UInt8]
    let serverPropertyCount: Int
    var recordIndex = 0
    /// Note each accepted record's head in `output.heads`.
    var notesHeads = false

    init(_ input: UnsafeBufferPointer<UInt8>, context: EventValidationContext) {
        self.input = input
        limits = context.limits
        parser = JSONParser(input, depthMax: context.limits.jsonDepthMax)
        validation = EventValidation(context: context)
        var added: [JSONMember] = []
        validation.enricher.enrich(&added, ipProperty: nil)
        var w = BinaryWriter(capacity: 64)
        for m in added {
            w.string(m.key)
            ValueCodec.encode(m.value, into: &w)
        }
        serverProperties = w.bytes
        serverPropertyCount = added.count
        output.records = EventRecords(capacity: input.count + input.count / 2)
        output.projects.reserveCapacity(input.count / 128)
        escapedKey.reserveCapacity(256)
        escapedValue.reserveCapacity(256)
        name.reserveCapacity(64)
    }

    // MARK: Framing (as RecordParser: top-level arrays of records, or records, in sequence)

    mutating func run() throws(TranscodeStop) {
        parser.skipWhitespace()
        guard !parser.isAtEnd else { throw .payload }
        while let byte = parser.nextByte {
            switch byte {
            case .openBracket:
                advance()
                parser.skipWhitespace()
                if parser.nextByte == .closeBracket {
                    advance()
                } else {
                    while true {
                        parser.skipWhitespace()
                        guard parser.nextByte == .openBrace else { throw .payload }
                        try record(openContainers: 1)
                        parser.skipWhitespace()
                        let b = parser.nextByte
                        advance()
                        if b == .comma { continue }
                        if b == .closeBracket { break }
                        throw .payload
                    }
                }
            case .openBrace:
                try record(openContainers: 0)
            default:
                throw .payload
            }
            guard recordIndex <= limits.batchRecordsMax else { throw .payload }
            parser.skipWhitespace()
        }
    }

    @inline(__always)
    mutating func advance() {
        parser.move(to: min(parser.offset + 1, input.count))
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(TranscodeStop) {
        parser.skipWhitespace()
        guard parser.nextByte == byte else { throw .payload }
        advance()
    }

    // MARK: Records

    /// The record whose `{` is at the parser's offset, inside `openContainers` containers.
    mutating func record(openContainers: Int) throws(TranscodeStop) {
        let start = parser.offset
        let index = recordIndex
        recordIndex += 1
        let decision: EventValidation.Decision
        do throws(TranscodeStop) {
            decision = try fastRecord(index: index, openContainers: openContainers)
        } catch .record {
            return try generalRecord(index: index, start: start, openContainers: openContainers)
        } catch {
            throw error
        }
        guard parser.offset - start <= limits.recordBytesMax else { throw .payload }
        switch decision {
        case .ignored: output.ignored += 1
        case .failed(let failure): output.failures.append(failure)
        case .accepted(let header):
            head.removeAll()
            head.zigzag(header.timeMs)
            head.string(header.name)
            head.string(header.distinctId)
            if notesHeads {
                let count = header.distinctId.utf8.count
                output.heads.note(timeMs: header.timeMs, distinctIdStart: output.records.writer.count + head.count - count,
                                  distinctIdCount: count, mayHoldLinks: header.mayHoldLinks)
            }
            head.string(header.insertId)
            head.varint(UInt64(writtenCount + serverPropertyCount))
            // The whole record goes to the batch in one copy (a copy into an array costs far
            // more in its bookkeeping than in bytes moved).
            head.append(properties.bytes)
            if serverPropertyCount > 0 { serverProperties.withUnsafeBufferPointer { head.append($0) } }
            output.records.beginRecord()
            output.records.writer.raw(head.bytes)
            output.records.commitRecord()
            output.projects.append(header.project)
        }
    }

    /// The general path for one record: parsed into a value and validated as `EventValidator` does.
    mutating func generalRecord(index: Int, start: Int, openContainers: Int) throws(TranscodeStop) {
        parser.move(to: start)
        let value: JSONValue
        do throws(JSONParseError) {
            value = try parser.parseValue(depth: openContainers)
        } catch {
            throw .payload
        }
        let size = parser.offset - start
        guard size <= limits.recordBytesMax else { throw .payload }
        output.generalRecords += 1
        switch validation.validate(value, index: index, byteCount: size) {
        case .accepted(let accepted):
            output.records.append(accepted.event)
            if notesHeads { output.heads.noteLast(of: output.records) }
            output.projects.append(accepted.project)
        case .failed(let failure): output.failures.append(failure)
        case .ignored: output.ignored += 1
        }
    }

    /// Reads the record whose `{` is at the parser's offset, writing its ordinary properties to
    /// `properties`, and applies the rules.
    mutating func fastRecord(index: Int, openContainers: Int) throws(TranscodeStop) -> EventValidation.Decision {
        advance() // '{'
        var sawName = false, sawProperties = false
        var special = EventValidation.Special()
        parser.skipWhitespace()
        guard parser.nextByte != .closeBrace else { throw .record }
        while true {
            let key: TopLevelKey
            if let literal = literalTopLevelKey() {
                key = literal
            } else {
                let keyRange = try readKey()
                key = keyRange.map { TopLevelKey(UnsafeBufferPointer(rebasing: input[$0])) } ?? .escaped
            }
            switch key {
            case .event:
                guard !sawName, parser.nextByte == .quote else { throw .record }
                sawName = true
                name.removeAll(keepingCapacity: true)
                if let r = try Self.readString(&parser, into: &name) { name.append(contentsOf: UnsafeBufferPointer(rebasing: input[r])) }
                if name.isEmpty { throw .record }
            case .properties:
                guard !sawProperties, parser.nextByte == .openBrace else { throw .record }
                sawProperties = true
                special = try transcodeProperties(openContainers: openContainers + 1)
            case .escaped:
                // An escaped key might spell `event` or `properties`: let the general path read it.
                throw .record
            case .other:
                try skipValue(openContainers: openContainers + 1)
            }
            if try !nextMember() { break }
        }
        guard sawName, sawProperties else { throw .record }
        let nameText = name.withUnsafeBufferPointer { String(checkedUTF8: $0) }
        return validation.decide(index: index, name: nameText, special: special, propertyCount: memberCount)
    }

    /// Reads the `properties` object at the parser's offset (inside `openContainers` containers)
    /// into `properties`, lifting out the special ones as the general path's `split` does.
    mutating func transcodeProperties(openContainers: Int) throws(TranscodeStop) -> EventValidation.Special {
        var special = EventValidation.Special()
        properties.removeAll()
        writtenCount = 0
        memberCount = 0
        keyHashes.removeAll()
        keyFilter = (0, 0)
        advance() // '{'
        parser.skipWhitespace()
        if parser.nextByte == .closeBrace {
            advance()
            return special
        }
        let inside = openContainers + 1
        while true {
            let position = memberCount
            memberCount += 1
            let keyRange: Range<Int>?
            let specialKey: EventValidation.SpecialKey?
            if let guess = guessedKey(at: position) {
                keyRange = guess.start ..< guess.start + guess.count
                try noteKey(guess.hash)
                specialKey = guess.special
            } else {
                keyRange = try readKey()
                if let keyRange {
                    let key = UnsafeBufferPointer(rebasing: input[keyRange])
                    let hash = Self.hash(key)
                    try noteKey(hash)
                    specialKey = EventValidation.SpecialKey(bytes: key)
                    keyGuesses.set(position, KeyGuess(start: keyRange.lowerBound, count: keyRange.count, hash: hash, special: specialKey))
                } else {
                    let (hash, special) = escapedKey.withUnsafeBufferPointer { (Self.hash($0), EventValidation.SpecialKey(bytes: $0)) }
                    try noteKey(hash)
                    specialKey = special
                    keyGuesses.set(position, KeyGuess())
                }
            }
            if let specialKey {
                let value = try parseValue(openContainers: inside)
                switch specialKey {
                case .token: if special.token == nil { special.token = value }
                case .time: if special.time == nil { special.time = value }
                case .distinctId: if special.distinctId == nil { special.distinctId = value }
                case .insertId: if special.insertId == nil { special.insertId = value }
                case .ip: if special.ip == nil { special.ip = value }
                case .ignore:
                    if special.ignore == nil { special.ignore = value }
                    writeKey(keyRange)
                    properties.value(value)
                    writtenCount += 1
                case .deviceId, .userId:
                    if specialKey == .deviceId { if special.deviceId == nil { special.deviceId = value } }
                    else if special.userId == nil { special.userId = value }
                    writeKey(keyRange)
                    properties.value(value.truncatingStrings(toUTF8Bytes: limits.stringBytesMax))
                    writtenCount += 1
                case .serverSet: break
                }
            } else {
                writeKey(keyRange)
                try transcodeValue(openContainers: inside)
                writtenCount += 1
            }
            if try !nextMember() { break }
        }
        return special
    }

    // MARK: Pieces

    /// Reads a member's name and the colon after it: its range in the input, or nil with its
    /// decoded bytes in `escapedKey`. Leaves the parser at the value.
    mutating func readKey() throws(TranscodeStop) -> Range<Int>? {
        parser.skipWhitespace()
        guard parser.nextByte == .quote else { throw .payload }
        if !escapedKey.isEmpty { escapedKey.removeAll(keepingCapacity: true) }
        let keyRange = try Self.readString(&parser, into: &escapedKey)
        try expect(.colon)
        parser.skipWhitespace()
        return keyRange
    }

    /// The properties key at the parser's offset when it is the one the last record held at
    /// `position`, read and past its colon (as `readKey` leaves it): the same bytes between
    /// quotes are the same string, as that key held no escape, quote or control character.
    /// Nil, with the parser where it was, when it is not (or when space surrounds it: then
    /// `readKey` reads it).
    @inline(__always)
    mutating func guessedKey(at position: Int) -> KeyGuess? {
        guard var guess = keyGuesses[position] else { return nil }
        let open = parser.offset, colon = open + guess.count + 2
        guard colon < input.count else { return nil }
        let base = input.baseAddress!
        guard base[open] == .quote, base[colon - 1] == .quote, base[colon] == .colon,
              sameBytes(base + open + 1, base + guess.start, count: guess.count) else { return nil }
        parser.move(to: colon + 1)
        parser.skipWhitespace()
        guess.start = open + 1
        return guess
    }

    /// `"event":` or `"properties":` written plainly at the parser's offset (as nearly every
    /// client writes them), read and past the colon; nil, with the parser where it was, otherwise.
    @inline(__always)
    mutating func literalTopLevelKey() -> TopLevelKey? {
        let key: TopLevelKey
        if skipLiteral("\"event\":") {
            key = .event
        } else if skipLiteral("\"properties\":") {
            key = .properties
        } else {
            return nil
        }
        parser.skipWhitespace()
        return key
    }

    /// Moves past `literal` when its bytes stand at the parser's offset; false, with the parser
    /// where it was, when they do not.
    @inline(__always)
    mutating func skipLiteral(_ literal: StaticString) -> Bool {
        let at = parser.offset, count = literal.utf8CodeUnitCount
        guard input.count - at >= count, sameBytes(input.baseAddress! + at, literal.utf8Start, count: count) else { return false }
        parser.move(to: at + count)
        return true
    }

    /// After a member's value: true at a comma (another member follows), false at the
    /// object's closing brace.
    @inline(__always)
    mutating func nextMember() throws(TranscodeStop) -> Bool {
        // Compact JSON (most payloads): the byte right after the value answers.
        let at = parser.offset
        if at < input.count {
            let b = input[at]
            if b == .comma || b == .closeBrace {
                parser.move(to: at + 1)
                return b == .comma
            }
        }
        parser.skipWhitespace()
        let b = parser.nextByte
        advance()
        if b == .comma { return true }
        if b == .closeBrace { return false }
        throw .payload
    }

    /// Reads the string at the parser's offset: its range in the input, or nil with its decoded
    /// bytes appended to `escaped`.
    @inline(__always)
    static func readString(_ parser: inout JSONParser, into escaped: inout [UInt8]) throws(TranscodeStop) -> Range<Int>? {
        do throws(JSONParseError) {
            return try parser.readString(escapedInto: &escaped)
        } catch {
            throw .payload
        }
    }

    mutating func parseValue(openContainers: Int) throws(TranscodeStop) -> JSONValue {
        do throws(JSONParseError) {
            return try parser.parseValue(depth: openContainers)
        } catch {
            throw .payload
        }
    }

    mutating func skipValue(openContainers: Int) throws(TranscodeStop) {
        _ = try parseValue(openContainers: openContainers)
    }

    @inline(__always)
    mutating func writeKey(_ range: Range<Int>?) {
        if let range {
            properties.lengthPrefixed(UnsafeBufferPointer(rebasing: input[range]))
        } else {
            writeEscapedKey()
        }
    }

    /// The decoded key (kept apart so that `writeKey` inlines into the member loop).
    @inline(never)
    mutating func writeEscapedKey() {
        escapedKey.withUnsafeBufferPointer { properties.lengthPrefixed($0) }
    }

    /// A hash of a key's bytes (eight at a time). Two keys with one hash only cost their
    /// record the general path.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        ByteStringTable.hash(key, seed: 0x51_7CC1_B727_220A)
    }

    /// Remembers a key (by its hash) of the open properties object; a key that may repeat an earlier one
    /// sends the record to the general path (which keeps the last value, as `JSON.parse` does).
    @inline(__always)
    mutating func noteKey(_ h: UInt64) throws(TranscodeStop) {
        let slot = (h &* 0x9E37_79B9_7F4A_7C15) >> 57
        let bit: UInt64 = 1 << (slot & 63)
        let seen = slot < 64 ? keyFilter.0 & bit != 0 : keyFilter.1 & bit != 0
        if seen && keyHashes.contains(h) { throw .record }
        if slot < 64 { keyFilter.0 |= bit } else { keyFilter.1 |= bit }
        keyHashes.append(h)
    }
}

/// The members of an event record the transcoder looks for.
enum TopLevelKey {
    case event, properties, other, escaped

    @inline(__always)
    init(_ key: UnsafeBufferPointer<UInt8>) {
        // Length first, then the bytes (a generic walk over a `String`'s UTF-8 view costs more
        // than the rest of reading the key).
        if key.count == 5 && sameBytes(key.baseAddress!, ("event" as StaticString).utf8Start, count: 5) {
            self = .event
        } else if key.count == 10 && sameBytes(key.baseAddress!, ("properties" as StaticString).utf8Start, count: 10) {
            self = .properties
        } else {
            self = .other
        }
    }
}
