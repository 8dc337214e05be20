// The value ranges of `/segmentation/numeric`: at most ten equal ranges whose width is a round
// number (1, 2 or 5 times a power of ten), from the smallest to the largest value the report
// saw, labelled like Mixpanel's "2,000 - 2,100". A range holds its lower bound; the last one
// also holds its upper bound.

import ApusModel

package struct NumericBuckets: Sendable, Equatable {
    /// Most ranges a report is split into.
    package static let countMax = 10

    /// Lower bound of each range, then the upper bound of the last: `count + 1` values.
    package private(set) var bounds: [Double]
    /// `"lower - upper"` per range, numbers with thousands separators.
    package private(set) var labels: [String]
    package var count: Int { labels.count }

    /// Ranges covering `min...max` (`min <= max`; magnitudes beyond 1e300 are clamped).
    package init(min: Double, max: Double) {
        let min = Swift.min(Swift.max(min, -1e300), 1e300), max = Swift.min(Swift.max(max, min), 1e300)
        let span = max - min
        // Smallest round width that covers the values in `countMax` ranges (a spread too small
        // to have a normal tenth is no spread: one range).
        let step = span / Double(Self.countMax)
        var exponent = step.isNormal ? step.log10Floor - 1 : 0
        var mantissa = 1.0, first = 0.0, n = 1
        search: while true {
            for m in [1.0, 2.0, 5.0] {
                let w = Self.scaled(m, exponent)
                let lo = (min / w).rounded(.down)
                var hi = (max / w).rounded(.down)
                // The largest value on a bound closes the range below it.
                if hi > lo && Self.scaled(hi * m, exponent) >= max { hi -= 1 }
                if hi - lo + 1 <= Double(Self.countMax) {
                    (mantissa, first, n) = (m, lo, Int(hi - lo) + 1)
                    break search
                }
            }
            exponent += 1
        }
        var bounds = (0...n).map { Self.scaled((first + Double($0)) * mantissa, exponent) }
        // Division may have put a value just past a bound: an empty range at the top goes.
        while bounds.count > 2 && bounds[bounds.count - 2] > max { bounds.removeLast() }
        // Near 2^53 and beyond, neighbouring bounds can round to one value or one text: such
        // bounds are dropped, so every range is non-empty and its label unique.
        let decimals = Swift.max(0, -exponent)
        var kept = [bounds[0]], texts = [Self.text(bounds[0], decimals)]
        for b in bounds.dropFirst() {
            let t = Self.text(b, decimals)
            guard b > kept[kept.count - 1], t != texts[texts.count - 1] else { continue }
            kept.append(b)
            texts.append(t)
        }
        if kept.count == 1 {
            kept.append(bounds[bounds.count - 1])
            texts.append(Self.text(bounds[bounds.count - 1], decimals))
        }
        labels = (0..<(kept.count - 1)).map { "\(texts[$0]) - \(texts[$0 + 1])" }
        self.bounds = kept
    }

    /// The range holding `x` (values outside the bounds go to the nearest range).
    package func index(of x: Double) -> Int {
        let last = bounds.count - 2
        guard x > bounds[0] else { return 0 }
        guard x < bounds[last + 1] else { return last }
        // A first guess from the width, then corrected against the very bounds the labels show.
        let width = (bounds[last + 1] - bounds[0]) / Double(last + 1)
        var i = Swift.min(last, Swift.max(0, Int(((x - bounds[0]) / width).rounded(.down))))
        while i > 0 && x < bounds[i] { i -= 1 }
        while i < last && x >= bounds[i + 1] { i += 1 }
        return i
    }

    /// `m × 10^e`, computed so that round decimals come out as they read (0.3, not 0.30000000000000004).
    static func scaled(_ m: Double, _ e: Int) -> Double {
        e >= 0 ? m * Self.power(e) : m / Self.power(-e)
    }

    static func power(_ e: Int) -> Double {
        var p = 1.0
        for _ in 0..<Swift.min(e, 400) { p *= 10 }
        return p
    }

    /// `1,234.5`: grouped thousands, at most `decimals` decimals, trailing zeros dropped.
    static func text(_ x: Double, _ decimals: Int) -> String {
        let scale = power(decimals)
        let scaled = (abs(x) * scale).rounded()
        // Whole digits and decimals must fit 64-bit integers (10^15 and 9e18); beyond, the
        // number as JSON writes it.
        guard decimals <= 15, scaled < 9e18, x.isFinite else {
            var bytes: [UInt8] = []
            JSONWriter.writeNumber(x, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        let whole = UInt64(scaled) / UInt64(scale), fraction = UInt64(scaled) % UInt64(scale)
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        if decimals > 0 && fraction > 0 {
            var f = String(fraction)
            f = String(repeating: "0", count: decimals - f.count) + f
            while f.hasSuffix("0") { f.removeLast() }
            grouped += "." + f
        }
        return (x < 0 && scaled > 0 ? "-" : "") + grouped
    }
}

extension Double {
    /// ⌊log10(self)⌋ for a positive finite value, without Foundation.
    fileprivate var log10Floor: Int {
        var e = 0, v = self
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
}
