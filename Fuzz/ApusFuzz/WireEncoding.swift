// The encoders the clients use, so a target can turn the JSON it mutates into the bytes a
// client would send: base64 (mixpanel-js), percent-encoding (every form body), gzip and
// deflate (compressed bodies). Reference implementations, kept simple on purpose.

import ApusIngest
import CZlib

enum WireEncoding {
    /// base64 of `bytes`: standard or URL-safe alphabet, with or without `=` padding, and a
    /// line break every `lineLength` characters when it is not nil (MIME style).
    static func base64(_ bytes: [UInt8], urlSafe: Bool = false, padded: Bool = true, lineLength: Int? = nil) -> [UInt8] {
        let alphabet = Array((urlSafe
            ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 3 * 4 + 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            let available = min(3, bytes.count - i) // bytes in this group
            for k in 0 ..< 4 {
                if k <= available {
                    out.append(alphabet[Int(v >> UInt32(18 - 6 * k) & 0x3F)])
                } else if padded {
                    out.append(UInt8(ascii: "="))
                }
            }
            i += 3
        }
        guard let lineLength, lineLength > 0 else { return out }
        var wrapped: [UInt8] = []
        for (k, b) in out.enumerated() {
            if k > 0, k % lineLength == 0 { wrapped.append(UInt8(ascii: "\n")) }
            wrapped.append(b)
        }
        return wrapped
    }

    /// JavaScript's `encodeURIComponent`: all but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as `%XX`.
    static func percentEncoded(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for b in bytes {
            switch b {
            case UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "a") ... UInt8(ascii: "z"),
                 UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: "!"), UInt8(ascii: "~"), UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("),
                 UInt8(ascii: ")"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return out
    }

    /// A gzip stream of `bytes` (the package's own compressor).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        GzipCompressor.compress(bytes, level: 1)
    }

    /// A deflate stream of `bytes`: zlib-wrapped (RFC 1950) or raw (RFC 1951).
    static func deflate(_ bytes: [UInt8], zlibWrapped: Bool) -> [UInt8] {
        GzipCompressor.compress(bytes, level: 1, wrapper: zlibWrapped ? .zlib : .raw)
    }
}
