// Duplicate keys in one JSON object. RFC 8259 leaves them undefined; browsers (JavaScript's
// `JSON.parse`) keep the key at its first position with the value written last. Apus does the
// same everywhere, so `token`, `distinct_id` and a stored property can never disagree about
// which of two values counts, and only one of them is ever stored. Keys are compared as UTF-8
// bytes (JavaScript compares code units, not canonical equivalence as Swift's `==` does).

extension JSONParser {
    /// Objects with more members than this find duplicates with a hash table, not pairwise.
    static let pairwiseKeyCheckMax = 16

    /// Merges members that repeat a key: the first position keeps the last value.
    static func keepLastOfDuplicateKeys(_ members: inout [JSONMember]) {
        let n = members.count
        guard n > 1 else { return }
        if n <= pairwiseKeyCheckMax {
            var j = 1
            while j < members.count {
                if let i = (0 ..< j).first(where: { sameKey(members[$0].key, members[j].key) }) {
                    members[i].value = members.remove(at: j).value
                } else {
                    j += 1
                }
            }
            return
        }
        var firstIndex: [ByteKey: Int] = [:]
        firstIndex.reserveCapacity(n)
        var kept: [JSONMember] = []
        kept.reserveCapacity(n)
        for member in members {
            if let i = firstIndex[ByteKey(member.key)] {
                kept[i].value = member.value
            } else {
                firstIndex[ByteKey(member.key)] = kept.count
                kept.append(member)
            }
        }
        if kept.count != n { members = kept }
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
