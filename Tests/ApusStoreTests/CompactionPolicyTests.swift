// The compaction policy as a pure function: which parts of a day to merge, and how often an
// event gets rewritten when a day keeps receiving flushes.

import ApusTesting
import ApusStoreCore
@testable import ApusStore
import Testing

struct CompactionPolicyTests {
    private let policy = CompactionPolicy()
    private let mb = 1 << 20

    private func parts(_ sizesMB: [Double]) -> [CompactionPolicy.Candidate] {
        sizesMB.enumerated().map { CompactionPolicy.Candidate(name: "p\($0)", bytes: Int($1 * Double(1 << 20)), rows: Int($1 * 10_000)) }
    }

    @Test func leavesADayWithFewPartsAlone() {
        #expect(policy.plan([]) == nil)
        #expect(policy.plan(parts([1])) == nil)
        #expect(policy.plan(parts([1, 2])) == nil)
        #expect(policy.plan(parts([1, 30, 100, 500])) == nil)
    }

    @Test func mergesSeveralSmallPartsSmallestFirst() {
        #expect(policy.plan(parts([3, 0.5, 1])) == .init(inputs: ["p1", "p2", "p0"], reason: .tierFull(tier: 0)))
    }

    @Test func leavesALargePartOutOfAMergeOfSmallOnes() {
        let plan = policy.plan(parts([900, 1, 1, 1]))
        #expect(plan == .init(inputs: ["p1", "p2", "p3"], reason: .tierFull(tier: 0)))
    }

    @Test func mergesATierOnceItHoldsFourParts() {
        #expect(policy.plan(parts([10, 12, 14])) == nil)
        #expect(policy.plan(parts([10, 12, 14, 11, 500])) == .init(inputs: ["p0", "p3", "p1", "p2"], reason: .tierFull(tier: 1)))
    }

    @Test func capsTheNumberOfPartsPerDay() {
        let sizes: [Double] = [5, 30, 120, 500, 2000, 8000, 33000, 130000, 520000]
        let plan = policy.plan(parts(sizes))
        #expect(plan == .init(inputs: ["p0", "p1"], reason: .tooManyParts))
    }

    @Test func respectsTheInputAndRowLimits() {
        var limited = policy
        limited.mergeInputsMax = 3
        #expect(limited.plan(parts([1, 1, 1, 1, 1]))?.inputs.count == 3)
        limited.mergedRowsMax = 25_000
        #expect(limited.plan(parts([1, 1, 1, 1, 1]))?.inputs.count == 2)
        limited.mergedRowsMax = 15_000
        #expect(limited.plan(parts([1, 1, 1, 1, 1])) == nil)
    }

    @Test func assignsTiersBySizeRatio() {
        #expect(policy.tier(ofBytes: 0) == 0)
        #expect(policy.tier(ofBytes: 4 * mb) == 0)
        #expect(policy.tier(ofBytes: 4 * mb + 1) == 1)
        #expect(policy.tier(ofBytes: 16 * mb) == 1)
        #expect(policy.tier(ofBytes: 17 * mb) == 2)
        #expect(policy.tier(ofBytes: .max) > 10)
    }

    /// A day receiving 1,000 flushes of 1 MB: each byte is rewritten about twice within tier 0
    /// and once per higher tier (4 tiers up to 1 GB), and the day never holds more than
    /// `dayPartsMax` parts after compaction.
    @Test func boundsRewritesWhenADayKeepsGrowing() {
        var day: [CompactionPolicy.Candidate] = []
        var rewritten = 0
        var next = 0
        for _ in 0..<1000 {
            day.append(.init(name: "f\(next)", bytes: mb, rows: 10_000))
            next += 1
            while let plan = policy.plan(day) {
                let inputs = day.filter { plan.inputs.contains($0.name) }
                day.removeAll { plan.inputs.contains($0.name) }
                let bytes = inputs.reduce(0) { $0 + $1.bytes }
                rewritten += bytes
                day.append(.init(name: "m\(next)", bytes: bytes, rows: inputs.reduce(0) { $0 + $1.rows }))
                next += 1
            }
            #expect(day.count <= policy.dayPartsMax)
        }
        let amplification = Double(rewritten) / Double(1000 * mb)
        #expect(amplification < 8, "each byte rewritten \(amplification) times")
    }
}
