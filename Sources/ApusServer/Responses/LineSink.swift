// Where export lines are written: bytes appended through a pointer, room checked once per
// piece, short pieces (keys, punctuation, most values) copied byte by byte instead of through
// a call to memmove, and strings that need no escaping copied as they are. What escaping is
// needed is JSONWriter's, into a scratch array.

import ApusModel

final class LineSink {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    private var scratch: [UInt8] = []

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    private func ensure(_ n: Int) {
        if capacity &- count < n { grow(n) }
    }

    private func grow(_ n: Int) {
        let grown = max(capacity * 2, count + n)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = grown
    }

    @inline(__always)
    func append(_ piece: UnsafeBufferPointer<UInt8>) {
        let n = piece.count
        guard n > 0 else { return }
        ensure(n)
        if n <= 32 {
            let to = base + count
            for i in 0..<n { to[i] = piece[i] }
        } else {
            (base + count).update(from: piece.baseAddress!, count: n)
        }
        count &+= n
    }

    @inline(__always)
    func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        ensure(1)
        base[count] = byte
        count &+= 1
    }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// `value` in decimal.
    func appendInteger(_ value: Int64) {
        ensure(20)
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var end = buffer.count
            repeat {
                end -= 1
                buffer[end] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            append(UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[end...]))
        }
    }

    /// `d` as JSONWriter writes a number.
    func appendNumber(_ d: Double) {
        if d.magnitude < 9_007_199_254_740_992, d == d.rounded(.towardZero) {
            appendInteger(Int64(d))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        JSONWriter.writeNumber(d, into: &scratch)
        append(scratch)
    }

    /// UTF-8 bytes as a JSON string: quoted, escaped as JSONWriter escapes.
    func appendString(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var plain = true
        for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            plain = false
            break
        }
        guard plain else {
            scratch.removeAll(keepingCapacity: true)
            JSONWriter.writeString(utf8: bytes, into: &scratch)
            append(scratch)
            return
        }
        ensure(bytes.count + 2)
        append(UInt8(ascii: "\""))
        append(bytes)
        append(UInt8(ascii: "\""))
    }

    func appendString(_ s: String) {
        var s = s
        s.withUTF8 { appendString(utf8: $0) }
    }
}
