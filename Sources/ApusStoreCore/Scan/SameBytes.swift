// Equality of two short byte strings (keys, names, distinct ids: mostly under 32 bytes), compared
// a word at a time in place: for such lengths a call to `memcmp` costs more than the compare.

#if canImport(Glibc)
import Glibc
#endif

/// True when the `count` bytes at `a` and at `b` are the same.
@inlinable @inline(__always)
package func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
    if count > 32 { return memcmp(a, b, count) == 0 }
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    if i + 4 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt32.self) != b.loadUnaligned(fromByteOffset: i, as: UInt32.self) { return false }
        i += 4
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
