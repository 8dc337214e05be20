// The seam between the server and where events live. The embedded store implements it today;
// a ClickHouse backend will implement the same protocol later.

import ApusModel

/// Which profile updates a batch holds.
package enum ProfileUpdateKind: Sendable, Equatable {
    /// `/engage` updates of user profiles.
    case user
    /// `/groups` updates of group profiles.
    case group
}

/// A receipt for an acknowledged append.
package struct AppendReceipt: Sendable, Equatable {
    /// The project-wide sequence number of the first record appended.
    package var firstSeq: UInt64
    package var count: Int

    package init(firstSeq: UInt64, count: Int) {
        self.firstSeq = firstSeq
        self.count = count
    }
}

/// Where a project's events and profile updates are appended and read back from.
package protocol EventStore: Sendable {
    /// Makes the project's storage ready (idempotent).
    func openProject(_ project: ProjectID) throws(StoreError)

    /// Appends validated events; returns once they are durable (per the configured durability).
    func append(events: [Event], to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt

    /// Appends profile (`/engage`) or group (`/groups`) updates, as compact JSON records, in order.
    func append(updates: [[UInt8]], kind: ProfileUpdateKind, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt

    /// The UTC days in `range` on which the project has events, ascending.
    func days(of project: ProjectID, in range: ClosedRange<Int32>) throws(StoreError) -> [Int32]

    /// Events of the project whose UTC day lies in `days`, deduplicated, in storage order
    /// (distinct id, time), day by day. `names`, when given, keeps only those event names.
    func events(of project: ProjectID, days: ClosedRange<Int32>, names: Set<String>?) throws(StoreError) -> [StoredEvent]
}
