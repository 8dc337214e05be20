// Target `base64`: the lenient base64 decoder. The first byte picks how the rest is encoded
// for the round trip (alphabet, padding, line breaks, percent-encoding, `+` sent as a space).
// Invariants: arbitrary bytes decode or are refused without a crash, never to more than
// 3 bytes per 4 characters; without `%` the two modes agree; and every encoding a client
// produces decodes back to the exact bytes encoded.

import ApusIngest

enum Base64Fuzzer {
    static func run(_ bytes: [UInt8]) {
        // Arbitrary text, as a form value would hold it.
        let plain = decode(bytes, percentEncoded: false)
        let form = decode(bytes, percentEncoded: true)
        if let plain {
            require(plain.count <= bytes.count / 4 * 3 + 2, "\(plain.count) bytes decoded from \(bytes.count) characters")
        }
        if !bytes.contains(.percent) {
            require(plain == form, "percent mode changed a value without '%'")
        }

        // Round trip: encode the rest as a client would, decode, compare.
        var input = FuzzInput(bytes)
        let style = input.byte()
        let original = input.rest()
        let urlSafe = style & 1 != 0
        var text = WireEncoding.base64(original, urlSafe: urlSafe, padded: style & 2 != 0,
                                       lineLength: style & 4 != 0 ? 76 : nil)
        if style & 0x10 != 0, !urlSafe {
            text = text.map { $0 == .plus ? .space : $0 } // `+` decoded to a space by a form parser
        }
        if style & 8 != 0 {
            text = WireEncoding.percentEncoded(text)
            require(decode(text, percentEncoded: true) == original,
                    "percent-encoded base64 did not round-trip (style \(style), \(original.count) bytes)")
        } else {
            require(decode(text, percentEncoded: false) == original,
                    "base64 did not round-trip (style \(style), \(original.count) bytes)")
            require(decode(text, percentEncoded: true) == original,
                    "base64 without '%' did not round-trip in percent mode (style \(style))")
        }
    }

    static func decode(_ bytes: [UInt8], percentEncoded: Bool) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { Base64Decoding.decode($0, percentEncoded: percentEncoded) }
    }
}
