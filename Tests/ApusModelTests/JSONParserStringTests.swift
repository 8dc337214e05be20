// Strings: escapes, \u sequences, surrogate pairs, UTF-8 validation, control characters.

import ApusModel
import Testing

struct JSONParserStringTests {
    /// Every two-character escape decodes to its character.
    @Test func decodesEveryShortEscape() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    /// \u escapes decode, in upper or lower case hex, mixed with plain text.
    @Test func decodesUnicodeEscapes() throws {
        #expect(try JSONParser.parse(#""caf\u00e9 \u00C9\u0041""#) == .string("café ÉA"))
        #expect(try JSONParser.parse(#""\u20AC""#) == .string("€"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    /// A surrogate pair written as two \u escapes becomes one scalar.
    @Test func joinsSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00 ok""#) == .string("😀 ok"))
        #expect(try JSONParser.parse(#""\ud834\udd1e""#) == .string("𝄞"))
    }

    /// A lone surrogate (JavaScript cutting a string mid-pair) becomes U+FFFD, not an error.
    @Test func replacesLoneSurrogatesWithReplacementCharacter() throws {
        #expect(try JSONParser.parse(#""ab\uD83D""#) == .string("ab\u{FFFD}"))
        #expect(try JSONParser.parse(#""\uDE00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\uD83D\u0041""#) == .string("\u{FFFD}A"))
    }

    /// Raw multi-byte UTF-8 passes through unchanged, including 4-byte sequences.
    @Test func keepsRawUTF8() throws {
        let text = "Zürich 東京 😀 \u{10FFFF}"
        #expect(try JSONParser.parse("\"" + text + "\"") == .string(text))
    }

    /// Long ASCII strings (past the 8-byte fast path) and escapes at any position decode.
    @Test func decodesLongStringsWithEscapesAtAnyPosition() throws {
        for position in 0 ..< 20 {
            let prefix = String(repeating: "a", count: position)
            let value = try JSONParser.parse("\"" + prefix + "\\n" + prefix + "é\"")
            #expect(value == .string(prefix + "\n" + prefix + "é"))
        }
    }

    /// Invalid UTF-8 in a string is refused at the offending byte.
    @Test(arguments: [
        ([0xFF], "lone 0xFF"),
        ([0xC0, 0x80], "overlong NUL"),
        ([0xE0, 0x80, 0x80], "overlong 3-byte"),
        ([0xED, 0xA0, 0x80], "encoded surrogate"),
        ([0xF4, 0x90, 0x80, 0x80], "above U+10FFFF"),
        ([0xC3], "truncated sequence"),
        ([0x80], "stray continuation byte"),
    ] as [([UInt8], String)])
    func refusesInvalidUTF8(bytes: [UInt8], label: String) {
        let input: [UInt8] = Array("\"ab".utf8) + bytes + Array("\"".utf8)
        #expect(throws: JSONParseError.self, "\(label)") {
            try JSONParser.parse(input)
        }
        do {
            _ = try JSONParser.parse(input)
        } catch {
            #expect(error.kind == .invalidUTF8)
            #expect(error.offset == 3)
        }
    }

    /// A raw control character inside a string is refused with its offset.
    @Test func refusesRawControlCharacters() {
        do {
            _ = try JSONParser.parse(Array("\"a\nb\"".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .controlCharacter)
            #expect(error.offset == 2)
            #expect(error.message.contains("\\n"))
        }
    }

    /// Unknown escapes and short \u escapes are refused.
    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\"#])
    func refusesBadEscapes(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    /// A string without a closing quote ends in an unexpectedEnd error.
    @Test func refusesUnterminatedStrings() {
        do {
            _ = try JSONParser.parse("\"abc")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .unexpectedEnd)
            #expect(error.offset == 4)
        }
    }
}
