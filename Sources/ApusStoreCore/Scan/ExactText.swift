// Text compared as its UTF-8 bytes. Swift's `String` equality is canonical equivalence ("é" as
// one code point equals "e" + a combining accent), but an event name, a property key or a value
// is what the client sent, byte for byte (JavaScript and Mixpanel compare code units): keys of
// dictionaries that decide which stored name, key or value a row gets use this instead.

/// A string hashed and compared by its bytes.
package struct ExactText: Hashable, Sendable {
    package let text: String

    package init(_ text: String) { self.text = text }

    package static func == (a: ExactText, b: ExactText) -> Bool {
        a.text.utf8.elementsEqual(b.text.utf8)
    }

    package func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension Sequence where Element == String {
    /// The position of the first element with exactly the bytes of `text`.
    package func firstExactIndex(of text: String) -> Int? {
        for (i, s) in enumerated() where s.utf8.elementsEqual(text.utf8) { return i }
        return nil
    }
}
