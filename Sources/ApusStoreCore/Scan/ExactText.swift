// Text compared as its UTF-8 bytes. Swift's `String` equality is canonical equivalence ("é" as
// one code point equals "e" + a combining accent), but an event name, a property key or a value
// is what the client sent, byte for byte (JavaScript and Mixpanel compare code units): keys of
// dictionaries that decide which stored name, key or value a row gets use this instead.

#if canImport(Glibc)
import Glibc
#endif

/// A string hashed and compared by its bytes.
package struct ExactText: Hashable, Sendable {
    package let text: String

    package init(_ text: String) { self.text = text }

    package static func == (a: ExactText, b: ExactText) -> Bool {
        let x = a.text.utf8, y = b.text.utf8
        guard x.count == y.count else { return false }
        if let equal = x.withContiguousStorageIfAvailable({ p in
            y.withContiguousStorageIfAvailable { q in p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0 }
        }), let equal { return equal }
        return x.elementsEqual(y)
    }

    /// One word of the table's fast byte hash, fed to the standard hasher (seeded per process,
    /// so crafted keys cannot be made to collide without knowing the seed).
    package func hash(into hasher: inout Hasher) {
        if let h = text.utf8.withContiguousStorageIfAvailable({ ByteStringTable.hash($0, seed: Self.seed) }) {
            hasher.combine(h)
        } else {
            var copy = text
            hasher.combine(copy.withUTF8 { ByteStringTable.hash($0, seed: Self.seed) })
        }
    }

    private static let seed = UInt64.random(in: 1...UInt64.max)
}

extension Sequence where Element == String {
    /// The position of the first element with exactly the bytes of `text`.
    package func firstExactIndex(of text: String) -> Int? {
        for (i, s) in enumerated() where s.utf8.elementsEqual(text.utf8) { return i }
        return nil
    }
}
