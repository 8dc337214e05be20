// Time is injected: nothing below the server reads the wall clock directly.

/// A source of the current time in milliseconds since the Unix epoch.
public protocol WallClock: Sendable {
    /// Now, in milliseconds since the Unix epoch.
    func nowMs() -> Int64
}
