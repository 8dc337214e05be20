// An event together with what the store knows about it: its place in the project's log.

import ApusModel

/// An event as held by the store. `seq` orders ingestion within a project: when two copies
/// share a dedupe key, the one with the higher `seq` (ingested later) wins.
package struct StoredEvent: Sendable, Equatable {
    /// The project-wide ingestion sequence number (1-based, strictly increasing).
    package var seq: UInt64
    /// The event.
    package var event: Event

    package init(seq: UInt64, event: Event) {
        self.seq = seq
        self.event = event
    }
}

extension StoredEvent {
    /// The UTC day (days since 1970-01-01) the event's time falls on; parts are per day.
    package var day: Int32 { utcDay(ofTimeMs: event.timeMs) }

    /// The event's time truncated to whole seconds, as the dedupe key uses it.
    package var timeSecond: Int64 { floorDiv(event.timeMs, 1000) }
}

/// Integer division rounding toward negative infinity.
@inline(__always)
package func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// The UTC day (days since 1970-01-01) of a time in milliseconds.
@inline(__always)
package func utcDay(ofTimeMs t: Int64) -> Int32 {
    Int32(truncatingIfNeeded: floorDiv(t, 86_400_000))
}
