// What the decoder needs from an HTTP request, without depending on an HTTP library:
// the server copies these few fields out of its request type.

/// The parts of an HTTP ingestion request that the payload decoder reads.
package struct IngestRequest: Sendable {
    /// The HTTP method, as far as decoding cares.
    package enum Method: Sendable, Equatable {
        /// `GET`: the payload can only be in the query string.
        case get
        /// `POST` (or any method with a body).
        case post
    }

    /// The route the request arrived on.
    package var endpoint: IngestEndpoint
    /// GET or POST.
    package var method: Method
    /// The body bytes exactly as received (possibly gzip/deflate compressed).
    package var body: [UInt8]
    /// The `Content-Type` header, if any.
    package var contentType: String?
    /// The `Content-Encoding` header, if any.
    package var contentEncoding: String?
    /// The raw query string, without the leading `?` (percent-encoded as received).
    package var query: String

    /// Creates a request.
    package init(
        endpoint: IngestEndpoint,
        method: Method = .post,
        body: [UInt8] = [],
        contentType: String? = nil,
        contentEncoding: String? = nil,
        query: String = ""
    ) {
        self.endpoint = endpoint
        self.method = method
        self.body = body
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.query = query
    }
}
