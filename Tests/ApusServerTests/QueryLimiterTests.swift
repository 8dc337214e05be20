// Per-project query admission: a sliding hour and a cap on queries at once, each answered 429
// with how long to wait.

import ApusModel
import ApusServer
import Synchronization
import Testing

/// A clock the test moves by hand.
final class HandClock: WallClock, Sendable {
    private let ms = Mutex<Int64>(1_735_689_600_000)
    func nowMs() -> Int64 { ms.withLock { $0 } }
    func advance(seconds: Int64) { ms.withLock { $0 += seconds * 1000 } }
}

struct QueryLimiterTests {
    /// The third query of an hour waits until the first one is an hour old; other projects
    /// are not affected.
    @Test func aSlidingHourAdmitsAgainWhenTheOldestQueryAges() throws {
        let clock = HandClock()
        let limiter = QueryLimiter(limits: QueryLimits(perHour: 2), clock: clock)
        for _ in 0..<2 {
            try limiter.admit(1).get()
            limiter.release(1)
            clock.advance(seconds: 600)
        }
        guard case .failure(let refused) = limiter.admit(1) else { Issue.record("a third query in the hour was admitted"); return }
        #expect(refused.status == 429 && refused.code == "query_rate_limited")
        #expect(refused.retryAfterSeconds == 2400)
        #expect((try? limiter.admit(2).get()) != nil)
        clock.advance(seconds: 2400)
        #expect((try? limiter.admit(1).get()) != nil)
    }

    /// At most `concurrentMax` run at once; one ending lets the next in.
    @Test func concurrencyIsCappedUntilAQueryEnds() throws {
        let limiter = QueryLimiter(limits: QueryLimits(concurrentMax: 2), clock: HandClock())
        try limiter.admit(7).get()
        try limiter.admit(7).get()
        guard case .failure(let refused) = limiter.admit(7) else { Issue.record("a third concurrent query was admitted"); return }
        #expect(refused.code == "too_many_concurrent_queries" && refused.retryAfterSeconds == 1)
        limiter.release(7)
        #expect((try? limiter.admit(7).get()) != nil)
    }

    /// Off by default: anything goes.
    @Test func noLimitsAdmitEverything() throws {
        let limiter = QueryLimiter(limits: QueryLimits(), clock: HandClock())
        for _ in 0..<1000 { try limiter.admit(1).get() }
    }

    /// The refusal carries Retry-After.
    @Test func refusalsSayWhenToRetry() {
        let reply = QueryError(status: 429, code: "query_rate_limited", message: "m", retryAfterSeconds: 30).reply(request: "/api/query/segmentation")
        #expect(reply.status == 429)
        #expect(reply.headers.contains { $0.0 == "Retry-After" && $0.1 == "30" })
    }
}
