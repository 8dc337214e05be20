// A string column as a dictionary plus one id per value. Used for event names (one per row)
// and for string-valued property columns (one per value). Bytes: varint entry count, each entry
// as varint length + UTF-8, then the ids bit-packed (see BitPacking).

/// Strings stored as a dictionary and per-value ids into it.
package struct DictionaryColumn: Sendable, Equatable {
    /// The distinct strings, in order of first appearance.
    package var dictionary: [String]
    /// For each value, its index in `dictionary`.
    package var ids: [UInt32]

    package init(dictionary: [String], ids: [UInt32]) {
        self.dictionary = dictionary
        self.ids = ids
    }

    /// The string of value `i`.
    @inline(__always)
    package subscript(i: Int) -> String { dictionary[Int(ids[i])] }

    /// The number of values (not entries).
    package var count: Int { ids.count }

    /// Builds a column from strings, numbering entries by first appearance (so the same input
    /// always gives the same bytes).
    package init<S: Sequence>(building strings: S) where S.Element == String {
        var builder = Builder()
        for s in strings { builder.append(s) }
        self = builder.build()
    }

    /// Accumulates strings one at a time.
    package struct Builder {
        private var index: [UTF8Key: UInt32] = [:]
        private var dictionary: [String] = []
        private var ids: [UInt32] = []
        private var lastString = ""
        private var lastId: UInt32 = .max

        package init() {}

        /// The number of strings appended.
        package var count: Int { ids.count }

        /// Appends one string and returns its id. Rows are grouped by user and many properties
        /// repeat within a user, so the previous string is compared before hashing.
        @inline(__always)
        @discardableResult
        package mutating func append(_ s: String) -> UInt32 {
            if lastId != .max, utf8Equal(lastString, s) {
                ids.append(lastId)
                return lastId
            }
            let key = UTF8Key(s)
            let id: UInt32
            if let known = index[key] {
                id = known
            } else {
                id = UInt32(dictionary.count)
                index[key] = id
                dictionary.append(s)
            }
            ids.append(id)
            lastString = s
            lastId = id
            return id
        }

        /// The column of everything appended.
        package func build() -> DictionaryColumn { DictionaryColumn(dictionary: dictionary, ids: ids) }
    }

    /// Writes the dictionary, then the bit-packed ids.
    package func encode(into w: inout BinaryWriter) {
        w.varint(UInt64(dictionary.count))
        for s in dictionary { w.string(s) }
        BitPacking.encode(ids, width: BitPacking.width(forMax: UInt32(max(dictionary.count, 1) - 1)), into: &w)
    }

    /// Reads `count` values; every id is checked against the dictionary size.
    package static func decode(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> DictionaryColumn {
        let n = try r.length()
        var dictionary: [String] = []
        dictionary.reserveCapacity(n)
        for _ in 0..<n { dictionary.append(try r.string()) }
        let ids = try BitPacking.decode(&r, count: count, bound: UInt32(clamping: n))
        return DictionaryColumn(dictionary: dictionary, ids: ids)
    }
}
