// Query strings decoded as HTML forms are: `+` is a space, then %XX escapes. (Python's
// requests encodes spaces as `+`, so `event=["Signed+Up"]` must read as "Signed Up".)

/// Decoded query parameters; the first occurrence of a name wins.
package struct QueryString: Sendable {
    private var values: [String: String] = [:]

    package init(_ raw: String?) {
        guard let raw else { return }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(kv[0])
            if values[name] == nil { values[name] = kv.count > 1 ? Self.decode(kv[1]) : "" }
        }
    }

    package subscript(_ name: String) -> String? { values[name] }

    static func decode(_ s: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "+") {
                out.append(0x20)
            } else if c == UInt8(ascii: "%"), it.count >= 2, let h = hex(it[it.startIndex]), let l = hex(it[it.startIndex + 1]) {
                out.append(h << 4 | l)
                it = it.dropFirst(2)
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
