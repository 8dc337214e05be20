// Time buckets on the project's calendar: labels, Monday weeks, months, and days of 23 and 25
// hours where daylight-saving time starts and ends.

import ApusModel
import ApusQuery
import Testing

struct TimeBucketsTests {
    let march9 = CivilDate(year: 2025, month: 3, day: 9)!

    /// New York's spring-forward day is 23 hours long: its hour buckets skip 02:00.
    @Test func aSpringForwardDayHasTwentyThreeHourBuckets() throws {
        let zone = ProjectTimeZone(identifier: "America/New_York")!
        let b = try TimeBuckets(from: march9, to: march9, unit: .hour, zone: zone)
        #expect(b.labels.count == 23)
        #expect(!b.labels.contains("2025-03-09 02:00:00"))
        #expect(b.range.upperBound - b.range.lowerBound == 23 * 3_600_000)
    }

    /// The fall-back day has 25 hours, but 01:00 happens twice and is one bucket.
    @Test func aFallBackDayMergesTheRepeatedHour() throws {
        let zone = ProjectTimeZone(identifier: "America/New_York")!
        let day = CivilDate(year: 2025, month: 11, day: 2)!
        let b = try TimeBuckets(from: day, to: day, unit: .hour, zone: zone)
        #expect(b.labels.count == 24)
        #expect(b.range.upperBound - b.range.lowerBound == 25 * 3_600_000)
        // The day starts 04:00 UTC; 05:30 and 06:30 UTC are both 01:30 local.
        #expect(b.bucket(of: b.range.lowerBound + 3_600_000 + 1_800_000) == 1)
        #expect(b.bucket(of: b.range.lowerBound + 2 * 3_600_000 + 1_800_000) == 1)
        #expect(b.bucket(of: b.range.lowerBound + 3 * 3_600_000 + 1_800_000) == 2)
    }

    /// Weeks start on Monday and keep their Monday label when the range starts mid-week.
    @Test func weeksAreLabelledByTheirMonday() throws {
        let b = try TimeBuckets(from: CivilDate(year: 2025, month: 3, day: 6)!, to: CivilDate(year: 2025, month: 3, day: 20)!, unit: .week, zone: .utc)
        #expect(b.labels == ["2025-03-03", "2025-03-10", "2025-03-17"])
    }

    @Test func monthsAreLabelledByTheirFirstDay() throws {
        let b = try TimeBuckets(from: CivilDate(year: 2024, month: 12, day: 30)!, to: CivilDate(year: 2025, month: 2, day: 1)!, unit: .month, zone: .utc)
        #expect(b.labels == ["2024-12-01", "2025-01-01", "2025-02-01"])
    }

    /// Minute tables give each minute of a UTC day its bucket, -1 outside the range.
    @Test func minuteTablesCoverTheRangeOnly() throws {
        let zone = ProjectTimeZone(identifier: "Asia/Kolkata")!
        let b = try TimeBuckets(from: march9, to: march9, unit: .day, zone: zone)
        // 2025-03-09 local starts at 2025-03-08 18:30 UTC.
        let table = b.minuteTable(utcDay: Int32(march9.daysSinceEpoch))
        #expect(table[0] == 0 && table[18 * 60 + 29] == 0 && table[18 * 60 + 30] == -1)
        let before = b.minuteTable(utcDay: Int32(march9.daysSinceEpoch - 1))
        #expect(before[18 * 60 + 29] == -1 && before[18 * 60 + 30] == 0)
    }

    @Test func tooManyBucketsIsAnError() {
        #expect(throws: ReportError.self) {
            try TimeBuckets(from: CivilDate(year: 2020, month: 1, day: 1)!, to: CivilDate(year: 2025, month: 1, day: 1)!, unit: .minute, zone: .utc)
        }
    }

    @Test func unknownZonesAreRefused() {
        #expect(ProjectTimeZone(identifier: "Mars/Olympus_Mons") == nil)
    }
}
