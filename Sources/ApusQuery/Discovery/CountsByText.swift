// Counts per name, event or key, keyed by the text's bytes (Swift's String equality is
// canonical equivalence, not what a client sent), merged across workers and ranked.

struct CountsByText {
    private var counts: [[UInt8]: (text: String, count: Int)] = [:]

    mutating func add(_ text: String, _ n: Int) {
        counts[Array(text.utf8), default: (text, 0)].count += n
    }

    mutating func merge(_ other: CountsByText) {
        for (_, v) in other.counts { add(v.text, v.count) }
    }

    /// Most first; ties by the text's bytes.
    func sorted() -> [(String, Int)] {
        counts.sorted { a, b in a.value.count != b.value.count ? a.value.count > b.value.count : a.key.lexicographicallyPrecedes(b.key) }
            .map { ($0.value.text, $0.value.count) }
    }
}
