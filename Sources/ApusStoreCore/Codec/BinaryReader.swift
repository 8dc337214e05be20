// The reading half of BinaryWriter: bounds-checked, never traps on damaged bytes.

/// A damaged or truncated byte sequence met while decoding.
package struct DecodeFailure: Error, Sendable, Equatable {
    /// Where in the input the problem was found.
    package var offset: Int
    /// What was wrong.
    package var reason: String

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

/// Reads what `BinaryWriter` wrote. Every read checks bounds and throws `DecodeFailure`.
package struct BinaryReader: ~Copyable {
    package let base: UnsafeRawBufferPointer
    /// The next byte to read.
    package var offset: Int
    package let end: Int

    /// A reader over `base[start..<end]`.
    package init(_ base: UnsafeRawBufferPointer, start: Int = 0, end: Int? = nil) {
        self.base = base
        self.offset = start
        self.end = end ?? base.count
    }

    package var isAtEnd: Bool { offset >= end }
    package var remaining: Int { end - offset }

    @inlinable @inline(__always)
    func need(_ n: Int) throws(DecodeFailure) {
        if n < 0 || end - offset < n { throw DecodeFailure(offset: offset, reason: "truncated: need \(n) bytes, have \(end - offset)") }
    }

    @inlinable @inline(__always)
    package mutating func u8() throws(DecodeFailure) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base[offset]
    }

    package mutating func u32() throws(DecodeFailure) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    package mutating func u64() throws(DecodeFailure) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    package mutating func f64() throws(DecodeFailure) -> Double { Double(bitPattern: try u64()) }

    @inlinable @inline(__always)
    package mutating func varint() throws(DecodeFailure) -> UInt64 {
        // One byte is the common case (small deltas and lengths).
        if offset < end {
            let byte = base[offset]
            if byte < 0x80 {
                offset += 1
                return UInt64(byte)
            }
        }
        return try varintOfSeveralBytes()
    }

    @usableFromInline
    package mutating func varintOfSeveralBytes() throws(DecodeFailure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            if offset >= end { throw DecodeFailure(offset: offset, reason: "truncated varint") }
            let byte = base[offset]
            offset += 1
            if shift == 63 && byte > 1 { throw DecodeFailure(offset: offset - 1, reason: "varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw DecodeFailure(offset: offset, reason: "varint too long") }
        }
    }

    @inlinable @inline(__always)
    package mutating func zigzag() throws(DecodeFailure) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    /// A length as `Int`, refused when larger than what is left to read.
    @inlinable @inline(__always)
    package mutating func length() throws(DecodeFailure) -> Int {
        let v = try varint()
        guard v <= UInt64(end - offset) else {
            throw DecodeFailure(offset: offset, reason: "length \(v) exceeds the \(end - offset) bytes left")
        }
        return Int(v)
    }

    package mutating func string() throws(DecodeFailure) -> String {
        let n = try length()
        defer { offset += n }
        let slice = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)]).assumingMemoryBound(to: UInt8.self)
        guard let s = decodeUTF8(slice) else {
            throw DecodeFailure(offset: offset, reason: "string is not valid UTF-8")
        }
        return s
    }

    /// The bytes of a length-prefixed string, in place.
    @inlinable @inline(__always)
    package mutating func bytes() throws(DecodeFailure) -> UnsafeBufferPointer<UInt8> {
        let n = try length()
        defer { offset += n }
        // `length()` checked that the bytes lie within the reader.
        return UnsafeBufferPointer(start: base.baseAddress.map { ($0 + offset).assumingMemoryBound(to: UInt8.self) }, count: n)
    }

    /// Moves past a length-prefixed string (its bytes are not checked as UTF-8).
    package mutating func skipString() throws(DecodeFailure) {
        offset += try length()
    }

    package mutating func skip(_ n: Int) throws(DecodeFailure) {
        try need(n)
        offset += n
    }
}

/// Validated UTF-8 to String. ASCII (nearly every key and value) takes a fast path: the
/// generic `String(validating:as:)` is not specialised across modules and costs a metadata
/// lookup per call, which made it the largest cost of decoding records.
@inline(__always)
package func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
        if UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
        i += 8
    }
    while i < n && bytes[i] < 0x80 { i += 1 }
    if i == n { return String(decoding: bytes, as: UTF8.self) }
    return String(validating: bytes, as: UTF8.self)
}
