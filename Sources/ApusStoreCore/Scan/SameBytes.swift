// Equality of two short byte strings (keys, names, distinct ids: mostly under 32 bytes), compared
// a word at a time in place: for such lengths a call to `memcmp` costs more than the compare.

#if canImport(Glibc)
import Glibc
#endif

/// True when the `count` bytes at `a` and at `b` are the same. From 4 bytes on, the last word
/// is read overlapping the one before it, so no byte is compared one at a time.
@inlinable @inline(__always)
package func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
    if count > 32 { return memcmp(a, b, count) == 0 }
    if count >= 8 {
        var i = 0
        while i + 8 < count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    if count >= 4 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
    }
    var i = 0
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
