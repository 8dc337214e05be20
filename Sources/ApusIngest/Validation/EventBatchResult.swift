// The outcome of validating a batch of event records: good ones are kept even when others fail
// (Mixpanel ingests the valid events of a partly invalid /import batch, spec §1.3.3).

/// What became of each record of an event batch.
package struct EventBatchResult: Sendable, Equatable {
    /// Records that became events, in request order.
    package var accepted: [AcceptedEvent]
    /// Records that were rejected, in request order.
    package var failures: [RecordFailure]
    /// Records dropped on purpose because `$ignore` was truthy (not failures).
    package var ignored: Int

    /// Creates a result.
    package init(accepted: [AcceptedEvent] = [], failures: [RecordFailure] = [], ignored: Int = 0) {
        self.accepted = accepted
        self.failures = failures
        self.ignored = ignored
    }
}
