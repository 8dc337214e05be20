// How long a connection may take at each stage before the server closes it. The ingestion
// routes are public (browsers post to them), so a client that opens a connection and then
// dribbles, stalls or never finishes must not hold a socket and its buffers forever.
// Defaults are far beyond what a browser or SDK on a slow mobile link needs.

/// Per-connection time limits, in seconds unless named otherwise.
package struct ConnectionTimeouts: Sendable, Equatable {
    /// A keep-alive connection with no request in progress is closed after this long.
    package var idleSeconds: Double = 60
    /// From the first byte of a request to the end of its headers.
    package var headerSeconds: Double = 20
    /// The longest pause allowed while a request body is being read; also the grace period
    /// before `bodyBytesPerSecondMin` starts to count.
    package var bodySeconds: Double = 30
    /// A body must arrive at least this fast on average (after the grace period), so a body
    /// dripped a byte at a time cannot hold the connection. 1 KB/s is slower than any real link.
    package var bodyBytesPerSecondMin: Double = 1000
    /// After answering a request whose body was not read (e.g. an early 413), the rest of the
    /// body is read and dropped for at most this long, so the client sees the answer before
    /// the connection closes instead of a reset.
    package var lingerSeconds: Double = 2

    package init() {}
}
