// The project's timezone (an IANA name; UTC by default): dates in requests and bucket labels in
// answers are local to it, and its daylight-saving changes make some local days 23 or 25 hours
// long. Offsets come from the system's zone database (Debian `tzdata`).

import ApusModel
import ApusStoreCore
import Foundation

/// Converts between instants and the project's wall-clock time.
package struct ProjectTimeZone: Sendable {
    package let identifier: String
    private let zone: TimeZone

    /// UTC.
    package static let utc = ProjectTimeZone(zone: TimeZone(identifier: "UTC")!, identifier: "UTC")

    private init(zone: TimeZone, identifier: String) {
        self.zone = zone
        self.identifier = identifier
    }

    /// The zone named `identifier` (e.g. "Europe/Berlin"), or nil when the system does not know it.
    package init?(identifier: String) {
        if identifier == "UTC" {
            self = .utc
            return
        }
        guard identifier.utf8.count <= 64, let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(zone: zone, identifier: identifier)
    }

    /// Wall-clock offset from UTC at instant `ms`, in ms.
    package func offsetMs(at ms: Int64) -> Int64 {
        if identifier == "UTC" { return 0 }
        return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
    }

    /// The instant at which local wall-clock time `localMs` (ms since 1970-01-01 00:00 local)
    /// occurs; in a daylight-saving gap, the first instant after it.
    package func instant(ofLocal localMs: Int64) -> Int64 {
        if identifier == "UTC" { return localMs }
        let guess = localMs - offsetMs(at: localMs)
        let ms = localMs - offsetMs(at: guess)
        if ms + offsetMs(at: ms) == localMs { return ms }
        // A gap: the wall-clock time never happens; the clocks jumped past it at the later of
        // the two candidates' transition.
        return max(guess, ms)
    }

    /// The instant local `date` begins.
    package func start(of date: CivilDate) -> Int64 {
        instant(ofLocal: date.daysSinceEpoch * 86_400_000)
    }

    /// Local dates `from`…`to` (inclusive) as instants, and the UTC days those touch.
    package func range(from: CivilDate, to: CivilDate) -> (instants: Range<Int64>, utcDays: ClosedRange<Int32>) {
        let first = start(of: from), end = start(of: CivilDate(daysSinceEpoch: to.daysSinceEpoch + 1))
        return (first..<end, Int32(floorDiv(first, 86_400_000))...Int32(floorDiv(end - 1, 86_400_000)))
    }

    /// Local wall-clock time of instant `ms`, as ms since 1970-01-01 00:00 local.
    package func local(_ ms: Int64) -> Int64 { ms + offsetMs(at: ms) }
}
