// A record that passed validation, with the project it belongs to.

import ApusModel

/// A validated, normalised event and where it came from.
package struct AcceptedEvent: Sendable, Equatable {
    /// The record's position in the request, from 0.
    package var index: Int
    /// The project the event belongs to (from its token or the request's authentication).
    package var project: ProjectID
    /// The event, ready for the store.
    package var event: Event

    /// Creates an accepted event.
    package init(index: Int, project: ProjectID, event: Event) {
        self.index = index
        self.project = project
        self.event = event
    }
}
