// How a body that was not read is answered. Each closes the connection: the rest of the body
// is unread, and reading it would cost exactly what the refusal is there to save.

extension BodyRefusal {
    package var httpStatus: Int {
        switch self {
        case .tooLarge: 413
        case .busy(.serverBusy): 503
        case .busy(.clientOverShare): 429
        case .incomplete: 400
        }
    }

    /// Seconds to wait before retrying, when retrying can help.
    package var retryAfterSeconds: Int? {
        if case .busy = self { return 1 }
        return nil
    }

    package var message: String {
        switch self {
        case .tooLarge(let limit):
            "the request body is larger than \(limit) bytes; send at most 2000 records and 10 MB per request"
        case .busy(.serverBusy):
            "the server is holding as many request bodies as its memory budget allows; retry after the time in Retry-After"
        case .busy(.clientOverShare):
            "this client has too many request bodies in flight; wait for answers before sending more, or retry after Retry-After"
        case .incomplete:
            "the request body ended before its declared length; send the whole body"
        }
    }
}
