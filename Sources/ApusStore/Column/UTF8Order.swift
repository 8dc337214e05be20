// Byte-wise ordering and equality of strings. Parts sort rows by the UTF-8 bytes of the distinct
// id, and dictionaries must keep byte-different strings apart, but Swift's `==`, `<` and hashing
// treat canonically equivalent strings ("é" vs "e\u{301}") as equal. Everything in the store that
// orders or groups strings goes through these helpers instead.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compares the UTF-8 bytes of two strings: negative, zero or positive as `a` sorts before,
/// equal to or after `b` (shorter prefix first).
@inline(__always)
package func utf8Compare(_ a: String, _ b: String) -> Int {
    let fast: Int?? = a.utf8.withContiguousStorageIfAvailable { pa in
        b.utf8.withContiguousStorageIfAvailable { pb in
            utf8Compare(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb))
        }
    }
    if let outer = fast, let result = outer { return result }
    let x = Array(a.utf8), y = Array(b.utf8)
    return x.withUnsafeBytes { px in y.withUnsafeBytes { py in utf8Compare(px, py) } }
}

@inline(__always)
private func utf8Compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return c < 0 ? -1 : 1 }
    }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

/// True when the two strings have identical UTF-8 bytes.
@inline(__always)
package func utf8Equal(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && utf8Compare(a, b) == 0
}

/// A string that hashes and compares by its UTF-8 bytes, for dictionary keys in the store.
package struct UTF8Key: Hashable, Sendable {
    /// The wrapped string.
    package let string: String

    @inline(__always)
    package init(_ string: String) { self.string = string }

    @inline(__always)
    package static func == (a: UTF8Key, b: UTF8Key) -> Bool { utf8Equal(a.string, b.string) }

    package func hash(into hasher: inout Hasher) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { Array(string.utf8).withUnsafeBytes { hasher.combine(bytes: $0) } }
    }
}
