// Validated records into an event store: one append per project per request, projects in the
// order they first appear, records in arrival order within each. A failed append is reported
// (the first failure) and the other projects' appends still happen, so the reply can say how
// many were stored.

import ApusModel
import ApusStoreCore

/// Writes what validation accepted to an event store.
package struct StoreWriter: Sendable {
    package let store: any EventStore

    package init(store: any EventStore) {
        self.store = store
    }

    /// How many records were stored, and the first store failure if any.
    package struct Written: Sendable {
        package var stored = 0
        package var error: StoreError? = nil
    }

    package func write(events accepted: [AcceptedEvent], receivedMs: Int64) async -> Written {
        var written = Written()
        for (project, items) in Self.groupedByProject(accepted, \.project) {
            do throws(StoreError) {
                try store.openProject(project)
                written.stored += try await store.append(events: items.map(\.event), to: project, receivedMs: receivedMs).count
            } catch {
                if written.error == nil { written.error = error }
            }
        }
        return written
    }

    /// Writes transcoded records: one append per project, in the order projects first appear.
    package func write(_ transcoded: TranscodedEvents, receivedMs: Int64) async -> Written {
        var written = Written()
        let projects = transcoded.projects
        guard let first = projects.first else { return written }
        let groups: [(ProjectID, EventRecords)]
        if projects.allSatisfy({ $0 == first }) {
            groups = [(first, transcoded.records)]
        } else {
            groups = Self.groupedByProject(Array(projects.indices), { projects[$0] })
                .map { ($0.0, transcoded.records.selecting($0.1)) }
        }
        for (project, records) in groups {
            do throws(StoreError) {
                try store.openProject(project)
                written.stored += try await store.append(records: records, to: project, receivedMs: receivedMs).count
            } catch {
                if written.error == nil { written.error = error }
            }
        }
        return written
    }

    package func write(updates accepted: [ProfileUpdate], kind: ProfileUpdateKind, receivedMs: Int64) async -> Written {
        var written = Written()
        for (project, items) in Self.groupedByProject(accepted, \.project) {
            do throws(StoreError) {
                try store.openProject(project)
                let records = items.map { JSONWriter.bytes($0.record) }
                written.stored += try await store.append(updates: records, kind: kind, to: project, receivedMs: receivedMs).count
            } catch {
                if written.error == nil { written.error = error }
            }
        }
        return written
    }

    /// Items grouped by project, projects in the order they first appear (one append each).
    static func groupedByProject<T>(_ items: [T], _ project: (T) -> ProjectID) -> [(ProjectID, [T])] {
        var groups: [(ProjectID, [T])] = []
        var index: [ProjectID: Int] = [:]
        for item in items {
            let p = project(item)
            if let i = index[p] {
                groups[i].1.append(item)
            } else {
                index[p] = groups.count
                groups.append((p, [item]))
            }
        }
        return groups
    }
}
