// The units a report's time buckets come in.

/// A time bucket's length, on the project's calendar.
package enum TimeUnit: String, Sendable, CaseIterable {
    case minute, hour, day, week, month

    /// Parses a `unit` parameter.
    package init?(parameter: String) {
        self.init(rawValue: parameter)
    }
}
