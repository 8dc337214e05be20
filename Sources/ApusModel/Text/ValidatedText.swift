// Text from bytes a parser has already checked as UTF-8. `String(decoding:as:)` checks them
// again and repairs what it must; for the short strings events are made of (names, ids, under
// 16 bytes), filling a small string in place costs a fraction of that.

extension String {
    /// The string whose UTF-8 bytes are `bytes` (valid UTF-8: the caller has checked them).
    @inlinable @inline(__always)
    public init(checkedUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count <= 15, let source = bytes.baseAddress {
            self.init(unsafeUninitializedCapacity: bytes.count) { target in
                target.baseAddress!.update(from: source, count: bytes.count)
                return bytes.count
            }
        } else {
            self.init(decoding: bytes, as: UTF8.self)
        }
    }
}
