// The connection timeout rules, driven with plain nanosecond counts (no sockets, no sleeping).

import ApusTesting
import ApusStoreCore
@testable import ApusServer
import Testing

struct ConnectionDeadlineTests {
    static let s: UInt64 = 1_000_000_000

    func machine() -> ConnectionDeadline {
        var t = ConnectionTimeouts()
        t.idleSeconds = 60
        t.headerSeconds = 20
        t.bodySeconds = 30
        t.bodyBytesPerSecondMin = 1000
        t.lingerSeconds = 2
        return ConnectionDeadline(timeouts: t, now: 0)
    }

    /// A connection that never sends anything is closed after the idle timeout.
    @Test func silentConnectionClosesWhenIdle() {
        let m = machine()
        #expect(m.deadline == 60 * Self.s)
        #expect(!m.isExpired(now: 59 * Self.s) && m.isExpired(now: 60 * Self.s))
    }

    /// Headers dripped a byte at a time must still be complete within the header timeout.
    @Test func drippedHeadersCloseAfterTheHeaderTimeout() {
        var m = machine()
        for second in 5 ..< 30 { m.bytesArrived(now: UInt64(second) * Self.s) }
        #expect(m.deadline == 25 * Self.s)
        #expect(m.isExpired(now: 29 * Self.s))
    }

    /// A body that stops arriving closes after the pause limit.
    @Test func stalledBodyClosesAfterThePauseLimit() {
        var m = machine()
        m.headArrived(now: 0)
        m.bodyArrived(bytes: 10_000_000, now: 1 * Self.s)
        #expect(m.deadline == 31 * Self.s)
    }

    /// A body dripped slower than the minimum rate closes, even though it never pauses long.
    @Test func drippedBodyClosesBelowTheMinimumRate() {
        var m = machine()
        m.headArrived(now: 0)
        var now: UInt64 = 0
        while !m.isExpired(now: now) {
            now += Self.s
            m.bodyArrived(bytes: 10, now: now)
        }
        #expect(now <= 31 * Self.s)
    }

    /// A fast body keeps its connection however large it is.
    @Test func fastBodyIsNeverCutOff() {
        var m = machine()
        m.headArrived(now: 0)
        for second in 1 ... 100 {
            m.bodyArrived(bytes: 100_000, now: UInt64(second) * Self.s)
            #expect(!m.isExpired(now: UInt64(second) * Self.s))
        }
    }

    /// While the server works on an answer there is no deadline; afterwards idle starts again.
    @Test func noDeadlineWhileAnswering() {
        var m = machine()
        m.headArrived(now: 0)
        #expect(m.endArrived(now: 1 * Self.s) == false)
        #expect(m.deadline == nil)
        #expect(m.responseEnded(now: 500 * Self.s) == false)
        #expect(m.deadline == 560 * Self.s)
    }

    /// An answer sent before the body was read lingers briefly, then closes.
    @Test func earlyAnswerLingersThenCloses() {
        var m = machine()
        m.headArrived(now: 0)
        m.responseStarted(closing: true)
        #expect(m.responseEnded(now: 1 * Self.s) == false)
        #expect(m.deadline == 3 * Self.s)
        #expect(m.endArrived(now: 2 * Self.s) == true)
    }

    /// `Connection: close` on an answer to a fully read request closes when it is written.
    @Test func connectionCloseClosesAfterTheAnswer() {
        var m = machine()
        m.headArrived(now: 0)
        _ = m.endArrived(now: 0)
        m.responseStarted(closing: true)
        #expect(m.responseEnded(now: 1) == true)
    }
}
