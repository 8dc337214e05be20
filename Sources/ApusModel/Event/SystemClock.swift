// The real wall clock, for the server's edge. Tests pass a manual clock instead.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The operating system's real-time clock.
public struct SystemClock: WallClock {
    /// Creates the clock.
    public init() {}

    /// Now, in milliseconds since the Unix epoch.
    public func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// A clock that stands still until told to move (tests).
public final class ManualClock: WallClock, @unchecked Sendable {
    private var ms: Int64
    /// Creates a clock reading `ms`.
    public init(ms: Int64) { self.ms = ms }
    /// Now, as last set.
    public func nowMs() -> Int64 { ms }
    /// Moves the clock forward by `deltaMs`.
    public func advance(byMs deltaMs: Int64) { ms += deltaMs }
}
