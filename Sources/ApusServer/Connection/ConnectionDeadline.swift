// The timeout rules of one HTTP/1 connection as a pure state machine: it is told what
// arrived and what was answered, and says when the connection must be closed. The channel
// handler (ConnectionGuard.swift) feeds it and keeps one timer at its deadline; tests drive
// it with plain nanosecond counts.

/// When a connection must be closed, given what it has done so far.
package struct ConnectionDeadline: Sendable, Equatable {
    let timeouts: ConnectionTimeouts
    /// Heads received minus responses finished: >0 while the server owes an answer.
    private(set) var responsesOwed = 0
    /// A head has arrived and its body's end has not.
    private(set) var readingRequest = false
    /// When the current request's head arrived and how many body bytes came since.
    private var requestStart: UInt64 = 0
    private var bodyBytes = 0
    private var lastRead: UInt64 = 0
    /// First byte of a request whose head is still incomplete.
    private var headStart: UInt64?
    /// Since when the connection has had nothing to do.
    private var idleSince: UInt64
    /// The answer went out before the request was fully read; its rest is being dropped.
    private var lingerSince: UInt64?
    /// The answer said `Connection: close`: close once it is written and the request is read.
    private(set) var closeWhenDone = false

    package init(timeouts: ConnectionTimeouts, now: UInt64) {
        self.timeouts = timeouts
        idleSince = now
        lastRead = now
    }

    /// Raw bytes arrived (before HTTP decoding).
    package mutating func bytesArrived(now: UInt64) {
        lastRead = now
        if !readingRequest && headStart == nil && responsesOwed == 0 { headStart = now }
    }

    /// A request head was decoded.
    package mutating func headArrived(now: UInt64) {
        responsesOwed += 1
        readingRequest = true
        headStart = nil
        requestStart = now
        bodyBytes = 0
        lastRead = now
    }

    /// Body bytes were decoded.
    package mutating func bodyArrived(bytes: Int, now: UInt64) {
        bodyBytes += bytes
        lastRead = now
    }

    /// The request's end was decoded. Returns true when the connection should close now
    /// (its answer already went out with `Connection: close`).
    package mutating func endArrived(now: UInt64) -> Bool {
        readingRequest = false
        if lingerSince != nil {
            lingerSince = nil
            idleSince = now
        }
        return closeWhenDone && responsesOwed == 0
    }

    /// The answer's head was written; `closing` when it says `Connection: close`.
    package mutating func responseStarted(closing: Bool) {
        if closing { closeWhenDone = true }
    }

    /// The answer was fully written. Returns true when the connection should close now.
    package mutating func responseEnded(now: UInt64) -> Bool {
        responsesOwed = max(0, responsesOwed - 1)
        if readingRequest {
            lingerSince = now
            return false
        }
        idleSince = now
        return closeWhenDone && responsesOwed == 0
    }

    /// The instant (same clock as the inputs) after which the connection must be closed, or
    /// nil while the server itself is working on an answer.
    package var deadline: UInt64? {
        if readingRequest {
            if let lingerSince { return lingerSince + Self.nanoseconds(timeouts.lingerSeconds) }
            let pause = lastRead + Self.nanoseconds(timeouts.bodySeconds)
            let rate = requestStart + Self.nanoseconds(timeouts.bodySeconds)
                + Self.nanoseconds(Double(bodyBytes) / max(timeouts.bodyBytesPerSecondMin, 1))
            return min(pause, rate)
        }
        if responsesOwed > 0 { return nil }
        if let headStart { return headStart + Self.nanoseconds(timeouts.headerSeconds) }
        return idleSince + Self.nanoseconds(timeouts.idleSeconds)
    }

    /// True when the connection has outlived its deadline at `now`.
    package func isExpired(now: UInt64) -> Bool {
        deadline.map { now >= $0 } ?? false
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 {
        seconds <= 0 ? 0 : UInt64(min(seconds, 1e9) * 1e9)
    }
}
