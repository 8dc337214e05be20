// Form-style percent decoding (`+` is a space, `%XX` a byte) for query and form values.
// Malformed escapes (`%` not followed by two hex digits) are kept literally rather than refused:
// being liberal costs nothing, and the JSON or base64 check that follows catches real damage.

/// Form-style percent decoding: `+` is a space, `%XX` a byte.
enum PercentDecoding {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard let base = bytes.baseAddress else { return [] }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            guard let outBase = out.baseAddress else { return }
            var i = 0
            var o = 0
            let n = bytes.count
            while i < n {
                // Copy the run up to the next '%' or '+' in one go.
                var end = i
                while end < n, bytes[end] != .percent, bytes[end] != .plus { end += 1 }
                if end > i {
                    (outBase + o).initialize(from: base + i, count: end - i)
                    o += end - i
                    i = end
                }
                guard i < n else { break }
                let b = bytes[i]
                if b == .plus {
                    out[o] = .space
                    i += 1
                } else if i + 2 < n, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                    out[o] = hi << 4 | lo
                    i += 3
                } else {
                    out[o] = b // a '%' that starts no escape is kept as is
                    i += 1
                }
                o += 1
            }
            initialized = o
        }
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30 ... 0x39: c - 0x30
        case 0x41 ... 0x46: c - 0x41 + 10
        case 0x61 ... 0x66: c - 0x61 + 10
        default: nil
        }
    }
}
