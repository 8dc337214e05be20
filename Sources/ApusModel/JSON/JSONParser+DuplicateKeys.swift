// Duplicate keys in one JSON object. RFC 8259 leaves them undefined; browsers (JavaScript's
// `JSON.parse`) keep the key at its first position with the value written last. Apus does the
// same everywhere, so `token`, `distinct_id` and a stored property can never disagree about
// which of two values counts, and only one of them is ever stored. Keys are compared as UTF-8
// bytes (JavaScript compares code units, not canonical equivalence as Swift's `==` does).
//
// Checking is on the hot path of every event, so each key gets a signature from its bytes
// while it is parsed (length, first eight bytes, last byte) that sets one bit of a 128-bit mask
// for its object; only a key whose bit is already set is compared with the earlier members. Objects with
// more than 16 members switch to a hash table keyed by the whole key (randomly seeded), so a
// crafted object of colliding keys cannot make parsing quadratic.

extension JSONParser {
    /// Objects with more members than this find repeated keys with a hash table.
    static let pairwiseKeyCheckMax = 16

    /// The position (from `base`) of an earlier member of the open object with `key`, or nil.
    func repeatedKeyPosition(_ key: String, base: Int, index: [ByteKey: Int]?) -> Int? {
        if let index { return index[ByteKey(key)] }
        let members = memberStack.elements
        for k in base ..< memberStack.count where Self.sameKey(members[k].key, key) {
            return k - base
        }
        return nil
    }

    /// The keys of the open object's members, by position from `base`.
    func indexOfKeys(from base: Int) -> [ByteKey: Int] {
        var index: [ByteKey: Int] = [:]
        index.reserveCapacity(64)
        for k in base ..< memberStack.count { index[ByteKey(memberStack[k].key)] = k - base }
        return index
    }

    /// The signature of the key whose unescaped bytes are `range` of the input. The closing
    /// quote follows the range, so when eight bytes can be read they are read at once.
    @inline(__always)
    func keySignature(_ range: Range<Int>) -> UInt64 {
        let n = range.count
        guard n > 0, range.lowerBound + 8 <= input.count, let base = input.baseAddress else {
            return Self.signature(UnsafeBufferPointer(rebasing: input[range]))
        }
        var head = UnsafeRawPointer(base + range.lowerBound).loadUnaligned(as: UInt64.self)
        if n < 8 { head &= (1 << (8 * UInt64(n))) - 1 }
        return head ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(input[range.upperBound - 1]) << 56)
    }

    /// The signature of a key that held escapes, from its decoded bytes.
    static func keySignature(of key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { signature($0) }
    }

    @inline(__always)
    static func signature(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return 0 }
        var head: UInt64 = 0
        if n >= 8 {
            head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
        } else {
            for k in 0 ..< n { head |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        }
        return head ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bytes[n - 1]) << 56)
    }

    @inline(__always)
    static func sameKey(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    /// A string hashed and compared by its UTF-8 bytes.
    struct ByteKey: Hashable {
        let text: String
        init(_ text: String) { self.text = text }
        static func == (a: ByteKey, b: ByteKey) -> Bool { sameKey(a.text, b.text) }
        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
