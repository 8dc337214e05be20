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
        @inlinable get { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
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

    /// Sets the rows `offset + r` for each row `r` set in `other` (which must fit), a word at a time.
    package mutating func setRows(of other: Bitmap, at offset: Int) {
        precondition(offset >= 0 && offset + other.count <= count, "bitmap does not fit")
        let shift = UInt64(offset & 63)
        let first = offset >> 6
        words.withUnsafeMutableBufferPointer { out in
            for (w, word) in other.words.enumerated() where word != 0 {
                out[first + w] |= word << shift
                if shift != 0 && first + w + 1 < out.count { out[first + w + 1] |= word >> (64 - shift) }
            }
        }
    }

    /// `count` rows, row `i` set when `isSet(i)`, built a word at a time (inlined into the
    /// caller, so the predicate is too; each bit is or-ed in without a branch).
    @inlinable
    package init(count: Int, where isSet: (Int) -> Bool) {
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        words.withUnsafeMutableBufferPointer { out in
            for w in out.indices {
                var word: UInt64 = 0
                let base = w &<< 6
                for b in 0..<Swift.min(64, count &- base) { word |= UInt64(isSet(base &+ b) ? 1 : 0) &<< UInt64(b) }
                out[w] = word
            }
        }
        self.init(words: words, count: count)
    }

    /// Calls `body` with each set row, ascending.
    @inlinable
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
