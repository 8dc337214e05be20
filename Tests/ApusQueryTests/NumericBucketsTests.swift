// The ranges of `/segmentation/numeric`: round widths, at most ten ranges, labels as Mixpanel
// writes them, and every value in the range it reads as.

import ApusQuery
import Testing

struct NumericBucketsTests {
    @Test(arguments: [
        (0.0, 95.0, ["0 - 10", "10 - 20", "20 - 30", "30 - 40", "40 - 50", "50 - 60", "60 - 70", "70 - 80", "80 - 90", "90 - 100"]),
        (2_012.0, 2_987.0, ["2,000 - 2,100", "2,100 - 2,200", "2,200 - 2,300", "2,300 - 2,400", "2,400 - 2,500", "2,500 - 2,600",
                            "2,600 - 2,700", "2,700 - 2,800", "2,800 - 2,900", "2,900 - 3,000"]),
        (0.0, 100.0, ["0 - 10", "10 - 20", "20 - 30", "30 - 40", "40 - 50", "50 - 60", "60 - 70", "70 - 80", "80 - 90", "90 - 100"]),
        (5.0, 5.0, ["5 - 6"]),
        (-3.5, 1.25, ["-3.5 - -3", "-3 - -2.5", "-2.5 - -2", "-2 - -1.5", "-1.5 - -1", "-1 - -0.5", "-0.5 - 0", "0 - 0.5", "0.5 - 1", "1 - 1.5"]),
        // The largest value on the last upper bound belongs to the last range.
        (0.1, 0.35, ["0.1 - 0.15", "0.15 - 0.2", "0.2 - 0.25", "0.25 - 0.3", "0.3 - 0.35"]),
        (1_000_000.0, 9_000_000.0, ["1,000,000 - 2,000,000", "2,000,000 - 3,000,000", "3,000,000 - 4,000,000", "4,000,000 - 5,000,000",
                                    "5,000,000 - 6,000,000", "6,000,000 - 7,000,000", "7,000,000 - 8,000,000", "8,000,000 - 9,000,000"]),
    ])
    func rangesAreRoundAndLabelledWithSeparators(min: Double, max: Double, labels: [String]) {
        let b = NumericBuckets(min: min, max: max)
        #expect(b.labels == labels)
        #expect(b.count <= NumericBuckets.countMax)
    }

    @Test func everyValueFallsInTheRangeItsLabelShows() {
        var seed: UInt64 = 12345
        func next() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for _ in 0..<300 {
            let scale = [0.001, 1, 37, 1e6, 1e12][Int(next() * 5)]
            let a = (next() - 0.3) * scale, c = (next() - 0.3) * scale
            let b = NumericBuckets(min: Swift.min(a, c), max: Swift.max(a, c))
            #expect(b.count >= 1 && b.count <= NumericBuckets.countMax)
            for x in [a, c, (a + c) / 2] + b.bounds.dropLast().map({ $0 }) where x >= Swift.min(a, c) && x <= Swift.max(a, c) {
                let i = b.index(of: x)
                #expect(b.bounds[i] <= x && (x < b.bounds[i + 1] || i == b.count - 1), "\(x) in \(b.labels[i])")
            }
        }
    }

    /// Extremes: bounds that round to one value or one text near 2^53 and beyond, labels that
    /// would need more than 15 decimals, a spread with no normal tenth. Each gives unique
    /// labels, an index inside them for every value, and finishes.
    @Test(arguments: [(9_007_199_254_740_992.0, 9_007_199_254_740_994.0), (1e17, 1e17 + 16), (0, 1e-19), (1e-19, 2e-19),
                      (0, 5e-324), (-1e300, 1e300), (1e300, 1e300), (-2.5, -2.5)] as [(Double, Double)])
    func extremeValuesGiveUniqueRangesAndFinish(min: Double, max: Double) {
        let b = NumericBuckets(min: min, max: max)
        #expect(b.count >= 1 && b.count <= NumericBuckets.countMax)
        #expect(Set(b.labels).count == b.labels.count, "\(b.labels)")
        #expect(b.bounds.count == b.labels.count + 1)
        for x in [min, max, min / 2 + max / 2] {
            #expect((0..<b.count).contains(b.index(of: x)))
        }
    }
}
