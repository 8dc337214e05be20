// The discovery reports agree with the naive oracle: event names by count, and an event's
// property keys by the rows holding them (read from each row's key shape, no values), over
// parts and the memtable, in UTC and in a zone whose days cut the store's UTC days.

import ApusModel
import ApusQuery
import ApusTesting
import Testing

struct DiscoveryOracleTests {
    @Test(arguments: SegmentationOracleTests.Storage.allCases, ["UTC", "America/New_York"])
    func eventNamesAndPropertyKeysMatchTheOracle(storage: SegmentationOracleTests.Storage, zone: String) async throws {
        let events = SegmentationOracleTests.workload(seed: 21, startMs: 1_741_219_200_000)
        let (store, dir) = try await SegmentationOracleTests.load(storage, events)
        defer { store.close(); dir?.remove() }
        let snapshot = try store.snapshot(of: 1)
        let rows = try ScanRows.collect(snapshot, .everything(days: Int32.min...Int32.max)).rows
        let tz = ProjectTimeZone(identifier: zone)!
        for (from, to) in [(CivilDate(year: 2025, month: 3, day: 6)!, CivilDate(year: 2025, month: 3, day: 11)!),
                           (CivilDate(year: 2025, month: 3, day: 8)!, CivilDate(year: 2025, month: 3, day: 9)!)] {
            let names = try EventNamesReport.run(from: from, to: to, zone: tz, snapshot: snapshot)
            let wantNames = DiscoveryOracle.eventNames(rows, from: from, to: to, zone: zone)
            #expect(names.map(\.0) == wantNames.map(\.0) && names.map(\.1) == wantNames.map(\.1), "\(from)…\(to)")
            for event in ["Viewed", "Bought", "Ünïcødé ✓", "Never Sent"] {
                let keys = try PropertyKeysReport.run(event: event, from: from, to: to, zone: tz, snapshot: snapshot)
                let want = DiscoveryOracle.propertyKeys(event: event, rows, from: from, to: to, zone: zone)
                #expect(keys.map(\.0) == want.map(\.0) && keys.map(\.1) == want.map(\.1), "\(event) \(from)…\(to)")
                #expect(keys.isEmpty == (event == "Never Sent"))
            }
        }
    }
}
