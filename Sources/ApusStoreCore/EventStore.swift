// The seam between the server and where events live. The embedded store implements it today;
// a ClickHouse backend will implement the same protocol later.

import ApusModel

/// Which profile updates a batch holds.
package enum ProfileUpdateKind: Sendable, Equatable {
    /// `/engage` updates of user profiles.
    case user
    /// `/groups` updates of group profiles.
    case group
    /// GDPR/CCPA deletion requests (`DeletionTask.json`).
    case deletion
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

    /// Appends validated events, as records (`EventCodec`'s layout); returns once they are
    /// durable (per the configured durability).
    func append(records: EventRecords, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt

    /// Appends profile (`/engage`) or group (`/groups`) updates, as compact JSON records, in order.
    func append(updates: [[UInt8]], kind: ProfileUpdateKind, to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt

    /// A consistent view of the project's events as they are now: everything acknowledged
    /// before this call, nothing after. Every read goes through it.
    func snapshot(of project: ProjectID) throws(StoreError) -> any EventSnapshot

    /// The project's identity graph as it is now (ingestion asks it per request, so it is
    /// cheaper than a snapshot).
    func identity(of project: ProjectID) throws(StoreError) -> IdentityGraph

    /// Makes what was acknowledged durable as configured and stops taking writes. Idempotent.
    func close()
}

extension EventStore {
    package func identity(of project: ProjectID) throws(StoreError) -> IdentityGraph {
        try snapshot(of: project).identity
    }

    /// Appends validated events; returns once they are durable (per the configured durability).
    package func append(events: [Event], to project: ProjectID, receivedMs: Int64) async throws(StoreError) -> AppendReceipt {
        try await append(records: EventRecords(events), to: project, receivedMs: receivedMs)
    }
}
