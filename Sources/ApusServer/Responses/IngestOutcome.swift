// What happened to one ingestion request, gathered by the route and turned into Mixpanel's
// response shapes by IngestReply. Keeping the two apart lets the shapes be tested without HTTP.

import ApusStoreCore
import ApusIngest
import ApusStore

/// The result of handling one ingestion request.
package struct IngestOutcome: Sendable {
    package var endpoint: IngestEndpoint
    package var flags: IngestFlags
    /// The payload came as a form field (`data=`), as the Python and browser SDKs send it.
    package var formTransport: Bool
    package var stored = 0
    package var ignored = 0
    package var failures: [RecordFailure] = []
    /// The request as a whole could not be decoded.
    package var requestError: IngestError?
    package var authError: AuthError?
    package var storeError: StoreError?
    /// The body was not read (too large, over the memory budget, connection broken).
    package var bodyRefusal: BodyRefusal?

    package init(endpoint: IngestEndpoint, flags: IngestFlags, formTransport: Bool) {
        self.endpoint = endpoint
        self.flags = flags
        self.formTransport = formTransport
    }

    /// At least one record was taken (stored, or dropped on purpose by `$ignore`).
    package var succeeded: Bool {
        requestError == nil && authError == nil && storeError == nil && bodyRefusal == nil && stored + ignored > 0
    }

    /// The first problem, as a message for the `error` field.
    package var errorMessage: String? {
        if let bodyRefusal { return bodyRefusal.message }
        if let authError { return authError.message }
        if let storeError { return storeError.message }
        if let requestError { return requestError.message }
        if let f = failures.first {
            return failures.count == 1 ? f.message : "\(f.message) (and \(failures.count - 1) more failed records)"
        }
        if stored + ignored == 0 { return "no records in the request" }
        return nil
    }
}
