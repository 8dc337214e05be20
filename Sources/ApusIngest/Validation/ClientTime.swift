// Client timestamps to milliseconds (spec §1.2): JS sends float seconds, Python float seconds,
// Swift integer milliseconds; some senders quote them. Mixpanel does not document how it tells
// the units apart; the rule here is the spec's recommendation: t ≥ 1e11 means milliseconds
// (1e11 s is the year 5138, 1e11 ms is 1973).

import ApusModel

/// Reading a client-supplied time.
package enum ClientTime {
    /// Values at or above this are milliseconds; below, seconds.
    static let millisecondsThreshold = 1e11
    /// 1971-01-01T00:00:00Z: /import refuses earlier times.
    static let importEarliestMs: Int64 = 31_536_000_000
    /// /import refuses times more than this far past the receive time.
    static let importFutureToleranceMs: Int64 = 3_600_000

    /// The outcome of reading a time value.
    package enum Reading: Equatable {
        /// Milliseconds since the epoch, rounded to the nearest millisecond (may be huge).
        case milliseconds(Double)
        /// The field is absent or null.
        case missing
        /// Not a finite, non-negative number or a string holding one in JSON number syntax.
        case invalid
    }

    /// Reads `value` as seconds or milliseconds since the epoch.
    package static func read(_ value: JSONValue?) -> Reading {
        let t: Double
        switch value {
        case nil, .null?:
            return .missing
        case .number(let n)?:
            t = n
        case .string(let s)?:
            // Only JSON number text: no hex, `inf`, `nan` or `+` that `Double(_:)` would take.
            guard let n = DecimalText.number(s.trimmingSpaces) else { return .invalid }
            t = n
        default:
            return .invalid
        }
        guard t.isFinite, t >= 0 else { return .invalid }
        let ms = t >= millisecondsThreshold ? t : t * 1000
        return .milliseconds(ms.rounded())
    }
}
