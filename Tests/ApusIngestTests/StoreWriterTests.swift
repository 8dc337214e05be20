// Accepted records reach the store one append per project, in arrival order, whatever the mix
// of projects in one request (the in-memory reference store stands in for the embedded one).

@testable import ApusIngest
import ApusModel
import ApusStoreCore
import ApusTesting
import Testing

struct StoreWriterTests {
    @Test func eventsOfSeveralProjectsAreStoredPerProjectInArrivalOrder() async throws {
        let store = InMemoryEventStore()
        let events = (0..<9).map { i in
            AcceptedEvent(index: i, project: i % 3 == 0 ? 7 : 8,
                          event: Event(name: "E", distinctId: "u", timeMs: 1_735_689_600_000 + Int64(i) * 1000, insertId: "id\(i)", properties: []))
        }
        let written = await StoreWriter(store: store).write(events: events, receivedMs: 1)
        #expect(written.stored == 9)
        #expect(written.error == nil)
        for (project, ids) in [(7 as ProjectID, [0, 3, 6]), (8, [1, 2, 4, 5, 7, 8])] {
            let rows = try ScanRows.collect(try store.snapshot(of: project), .everything(days: 20089...20089)).rows
            #expect(rows.map(\.insertId) == ids.map { "id\($0)" })
            #expect(rows.compactMap(\.seq) == rows.compactMap(\.seq).sorted())
        }
    }

    @Test func projectsAreGroupedInTheOrderTheyFirstAppear() {
        let groups = StoreWriter.groupedByProject([5, 3, 5, 9, 3], { ProjectID($0) })
        #expect(groups.map(\.0) == [5, 3, 9])
        #expect(groups.map(\.1) == [[5, 5], [3, 3], [9]])
    }
}
