// How the server is started: where it listens and where its data lives. Resolved once by the
// CLI from flags and environment.

import ApusStore

/// Settings of `apus serve`.
package struct ServerConfiguration: Sendable {
    /// Bind address; loopback unless told otherwise.
    package var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (the chosen port is printed).
    package var port = 8080
    package var store: StoreConfiguration
    /// Seed for a fresh data folder (containers, CI): project id, token, `user:secret`.
    package var seedProjectID: Int64?
    package var seedProjectToken: String?
    package var seedServiceAccount: String?
    /// Largest request body accepted on the wire (compressed), in bytes. A declared
    /// Content-Length above it is answered 413 before any of the body is read.
    package var requestBodyBytesMax = 12 << 20
    /// Connection time limits (idle, headers, body).
    package var timeouts = ConnectionTimeouts()
    /// Memory all request bodies may hold while read and parsed; nil sizes it for the machine.
    package var bodyBudget: BodyBudgetLimits?
    /// Threads that parse large bodies, off the threads that serve connections and small requests.
    package var decodeThreads = 2
    /// Uncompressed bodies up to this size (one record's limit: parsed in one pass, a few ms)
    /// are decoded on the request's task; larger ones on the decode threads. Sending every
    /// 2000-event batch through the decode threads cost ~12% of /import throughput.
    package var inlineDecodeBytesMax = 1 << 20
    /// The same for compressed bodies, which may inflate a hundredfold.
    package var inlineCompressedDecodeBytesMax = 64 << 10

    /// Per-project Query API limits (off unless set).
    package var queryLimits = QueryLimits()
    /// Longest a query may run before it is stopped with an error naming the limit.
    package var queryDurationMaxSeconds: Double = 60
    /// A MaxMind DB city database (DB-IP City Lite, GeoLite2 City) for `ip=1` and `$ip`;
    /// nil: no geolocation.
    package var geoDatabasePath: String?

    package init(dataDirectory: String) {
        store = StoreConfiguration(dataDirectory: dataDirectory)
    }
}
