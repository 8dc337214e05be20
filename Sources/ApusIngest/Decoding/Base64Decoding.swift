// Base64 for the `data` field (spec §1.1 B): the JS SDK's default toward a self-hosted host.
// Lenient by design: standard and URL-safe alphabets, padding optional, line breaks ignored.
// A space counts as `+`: a client that forgets to percent-encode `+` in a form body (curl -d)
// has its `+` turned into a space by form decoding, and no encoder emits spaces otherwise.

/// Decodes lenient base64.
package enum Base64Decoding {
    private static let skip: UInt8 = 64
    private static let pad: UInt8 = 65
    private static let invalid: UInt8 = 66

    /// Sextet value per byte: 0–63, or `skip`, `pad`, `invalid`.
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: invalid, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (value, c) in alphabet.enumerated() { t[Int(c)] = UInt8(value) }
        t[Int(UInt8.minus)] = 62
        t[Int(UInt8.underscore)] = 63
        t[Int(UInt8.space)] = 62
        t[Int(UInt8.tab)] = skip
        t[Int(UInt8.newline)] = skip
        t[Int(UInt8.carriageReturn)] = skip
        t[Int(UInt8.equals)] = pad
        return t
    }()

    /// The decoded bytes, or nil when `input` is not base64.
    /// - Parameter percentEncoded: `input` is a form value: `%XX` escapes are decoded on the way.
    package static func decode(_ input: UnsafeBufferPointer<UInt8>, percentEncoded: Bool = false) -> [UInt8]? {
        table.withUnsafeBufferPointer { table in
            var failed = false
            let output = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { out, initialized in
                var o = 0
                var i = 0
                let n = input.count
                var acc: UInt32 = 0
                var pending = 0
                var sawPadding = false
                while i < n {
                    if pending == 0 && !sawPadding {
                        // Fast path: four clean sextets at a time.
                        while i + 4 <= n {
                            let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                            let c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                            if a | b | c | d >= 64 { break }
                            let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                            out[o] = UInt8(truncatingIfNeeded: v >> 16)
                            out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                            out[o + 2] = UInt8(truncatingIfNeeded: v)
                            o += 3
                            i += 4
                        }
                        if i >= n { break }
                    }
                    // Slow path: one character (or one %XX escape).
                    var byte = input[i]
                    i += 1
                    if percentEncoded, byte == .percent {
                        guard i + 1 < n, let hi = PercentDecoding.hexValue(input[i]),
                              let lo = PercentDecoding.hexValue(input[i + 1]) else {
                            failed = true
                            break
                        }
                        byte = hi << 4 | lo
                        i += 2
                    }
                    let v = table[Int(byte)]
                    if v < 64 {
                        if sawPadding { failed = true; break }
                        acc = acc << 6 | UInt32(v)
                        pending += 1
                        if pending == 4 {
                            out[o] = UInt8(truncatingIfNeeded: acc >> 16)
                            out[o + 1] = UInt8(truncatingIfNeeded: acc >> 8)
                            out[o + 2] = UInt8(truncatingIfNeeded: acc)
                            o += 3
                            acc = 0
                            pending = 0
                        }
                    } else if v == pad {
                        sawPadding = true
                    } else if v != skip {
                        failed = true
                        break
                    }
                }
                if !failed {
                    switch pending {
                    case 0: break
                    case 2:
                        out[o] = UInt8(truncatingIfNeeded: acc >> 4)
                        o += 1
                    case 3:
                        out[o] = UInt8(truncatingIfNeeded: acc >> 10)
                        out[o + 1] = UInt8(truncatingIfNeeded: acc >> 2)
                        o += 2
                    default:
                        failed = true
                    }
                }
                initialized = o
            }
            return failed ? nil : output
        }
    }
}
