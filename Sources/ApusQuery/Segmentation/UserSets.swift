// The users of each cell of a unique count: a bitmap over uids per cell, grown as larger uids
// appear. The words live in memory this class allocates, so a kernel can hold a pointer per
// event name for a whole block and set bits without a branch or a bounds check; a spare
// bitmap takes the bits of rows that are not counted.

final class UserSets {
    private var bits: [UnsafeMutablePointer<UInt64>?] = []
    private var capacity: [Int] = []
    /// Rows not counted write here (as many words as the largest cell asked for).
    private var spare: UnsafeMutablePointer<UInt64>?
    private var spareCapacity = 0

    var cellCount: Int { bits.count }

    func appendCells(_ n: Int) {
        bits += repeatElement(nil, count: n)
        capacity += repeatElement(0, count: n)
    }

    /// Cell `cell`'s words, at least `words` of them (new words clear). Valid until the next
    /// call for the same cell.
    func words(_ cell: Int, atLeast words: Int) -> UnsafeMutablePointer<UInt64> {
        if capacity[cell] >= words, let p = bits[cell] { return p }
        let grown = Swift.max(words, capacity[cell] * 2)
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: grown)
        p.initialize(repeating: 0, count: grown)
        if let old = bits[cell] {
            p.update(from: old, count: capacity[cell])
            old.deallocate()
        }
        bits[cell] = p
        capacity[cell] = grown
        return p
    }

    /// Words that absorb the bits of rows not counted.
    func spare(atLeast words: Int) -> UnsafeMutablePointer<UInt64> {
        if spareCapacity >= words, let p = spare { return p }
        spare?.deallocate()
        let grown = Swift.max(words, spareCapacity * 2)
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: grown)
        p.initialize(repeating: 0, count: grown)
        spare = p
        spareCapacity = grown
        return p
    }

    /// Distinct users of a cell.
    func count(_ cell: Int) -> Int {
        guard let p = bits[cell] else { return 0 }
        var n = 0
        for w in 0..<capacity[cell] { n &+= p[w].nonzeroBitCount }
        return n
    }

    /// Adds `other`'s cell `theirs` into cell `mine`.
    func merge(_ other: UserSets, _ theirs: Int, into mine: Int) {
        guard let src = other.bits[theirs] else { return }
        let n = other.capacity[theirs]
        let dst = words(mine, atLeast: n)
        for w in 0..<n { dst[w] |= src[w] }
    }

    deinit {
        for p in bits { p?.deallocate() }
        spare?.deallocate()
    }
}
