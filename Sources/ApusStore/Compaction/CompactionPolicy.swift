// When to merge the parts of one day: a pure function of the parts' sizes, tested without I/O.
// Size-tiered, as in LSM stores: parts are grouped by size into tiers that grow by `tierRatio`;
// a tier that fills up is merged into one part of the next tier, so each event is rewritten
// about once per tier (log of the day's size) rather than on every flush. The small tier fills
// sooner because its merges are cheap and many small parts slow every query. A cap on parts per
// day bounds query fan-out whatever the sizes. The caller runs one plan at a time and asks again.

/// Decides which parts of a day to merge next.
package struct CompactionPolicy: Sendable, Equatable {
    /// Parts up to this size form tier 0.
    package var smallPartBytesMax: Int = 4 << 20
    /// Each tier holds parts up to this many times larger than the previous one.
    package var tierRatio: Int = 4
    /// Tier 0 is merged once it holds this many parts.
    package var smallPartsMergeMin: Int = 3
    /// Higher tiers are merged once they hold this many parts.
    package var tierPartsMergeMin: Int = 4
    /// A day with more parts than this merges its smallest ones, whatever their tiers.
    package var dayPartsMax: Int = 8
    /// The most parts one merge reads.
    package var mergeInputsMax: Int = 10
    /// The most rows one merge may produce.
    package var mergedRowsMax: Int = 1 << 26

    package init() {}

    /// What the policy knows of a part.
    package struct Candidate: Sendable, Equatable {
        /// The part's file name (its identity for the caller).
        package var name: String
        /// File size.
        package var bytes: Int
        /// Row count.
        package var rows: Int

        package init(name: String, bytes: Int, rows: Int) {
            self.name = name
            self.bytes = bytes
            self.rows = rows
        }
    }

    /// Why a merge was chosen.
    package enum Reason: Sendable, Equatable {
        /// Tier `tier` reached its merge threshold.
        case tierFull(tier: Int)
        /// The day has more than `dayPartsMax` parts.
        case tooManyParts
    }

    /// One merge to run.
    package struct Plan: Sendable, Equatable {
        /// Names of the parts to merge, smallest first.
        package var inputs: [String]
        package var reason: Reason
    }

    /// The tier of a part of `bytes` bytes: 0 up to `smallPartBytesMax`, then one more per
    /// factor of `tierRatio`.
    package func tier(ofBytes bytes: Int) -> Int {
        var tier = 0
        var limit = smallPartBytesMax
        while bytes > limit {
            tier += 1
            let (next, overflow) = limit.multipliedReportingOverflow(by: max(tierRatio, 2))
            if overflow { break }
            limit = next
        }
        return tier
    }

    /// The next merge for a day with `parts`, or nil when the day is fine as it is.
    package func plan(_ parts: [Candidate]) -> Plan? {
        let sorted = parts.sorted { ($0.bytes, $0.name) < ($1.bytes, $1.name) }
        let tiers = Dictionary(grouping: sorted, by: { tier(ofBytes: $0.bytes) })
        for t in tiers.keys.sorted() {
            let members = tiers[t]!
            guard members.count >= (t == 0 ? smallPartsMergeMin : tierPartsMergeMin) else { continue }
            let chosen = take(members, upTo: mergeInputsMax)
            if chosen.count >= 2 { return Plan(inputs: chosen.map(\.name), reason: .tierFull(tier: t)) }
        }
        if parts.count > dayPartsMax {
            let chosen = take(sorted, upTo: min(mergeInputsMax, parts.count - dayPartsMax + 1))
            if chosen.count >= 2 { return Plan(inputs: chosen.map(\.name), reason: .tooManyParts) }
        }
        return nil
    }

    /// The smallest parts, at most `count`, whose rows fit `mergedRowsMax` together.
    private func take(_ smallestFirst: [Candidate], upTo count: Int) -> [Candidate] {
        var chosen: [Candidate] = []
        var rows = 0
        for c in smallestFirst where chosen.count < max(count, 2) {
            guard rows + c.rows <= mergedRowsMax else { break }
            rows += c.rows
            chosen.append(c)
        }
        return chosen
    }
}
