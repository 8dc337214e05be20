// A fixed-length set of row indexes, 64 per word: presence of a property per row, selections
// produced by filters. Word-at-a-time operations so filters combine at memory speed.

/// A bit per row.
package struct Bitmap: Sendable, Equatable {
    /// Bit `i % 64` of word `i / 64` is row `i`. Bits past `count` are always clear.
    package private(set) var words: [UInt64]
    /// The number of rows.
    package let count: Int

    /// `count` rows, all clear (or all set).
    package init(count: Int, allSet: Bool = false) {
        self.count = count
        words = Array(repeating: allSet ? ~0 : 0, count: (count + 63) / 64)
        if allSet { clearTail() }
    }

    /// A bitmap over `count` rows from its words (bits past `count` are cleared).
    package init(words: [UInt64], count: Int) {
        precondition(words.count == (count + 63) / 64, "\(words.count) words for \(count) rows")
        self.words = words
        self.count = count
        clearTail()
    }

    package subscript(i: Int) -> Bool {
        get { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
        set {
            if newValue { words[i >> 6] |= 1 << UInt64(i & 63) } else { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
        }
    }

    /// The number of set rows.
    package var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    package var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// Rows set in both.
    package func intersection(_ other: Bitmap) -> Bitmap {
        precondition(count == other.count, "bitmaps of different lengths")
        var out = self
        for i in out.words.indices { out.words[i] &= other.words[i] }
        return out
    }

    /// Rows set in either.
    package func union(_ other: Bitmap) -> Bitmap {
        precondition(count == other.count, "bitmaps of different lengths")
        var out = self
        for i in out.words.indices { out.words[i] |= other.words[i] }
        return out
    }

    /// Rows not set.
    package func complement() -> Bitmap {
        var out = self
        for i in out.words.indices { out.words[i] = ~out.words[i] }
        out.clearTail()
        return out
    }

    /// The set rows, ascending.
    package var setRows: [Int] {
        var rows: [Int] = []
        rows.reserveCapacity(setCount)
        forEachSet { rows.append($0) }
        return rows
    }

    /// Calls `body` with each set row, ascending.
    package func forEachSet(_ body: (Int) throws -> Void) rethrows {
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                try body(w << 6 | bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
    }

    private mutating func clearTail() {
        let extra = words.count * 64 - count
        if extra > 0 { words[words.count - 1] &= ~0 >> UInt64(extra) }
    }
}
