// Date-time text: what `datetime("…")` and date-valued string properties accept, and how
// `string(datetime)` writes instants.

@testable import ApusExpression
import Testing

struct DatetimeTextTests {
    /// ISO 8601 forms Mixpanel clients send read as the instant they name (UTC unless an
    /// offset is given).
    @Test(arguments: [
        ("2025-01-01", 1_735_689_600_000),
        ("2025-01-01T00:00:00", 1_735_689_600_000),
        ("2025-01-01 00:00:00", 1_735_689_600_000),
        ("2025-01-01T00:00", 1_735_689_600_000),
        ("2025-01-01T00:00:00Z", 1_735_689_600_000),
        ("2025-01-01T00:00:00.5", 1_735_689_600_500),
        ("2025-01-01T00:00:00.123456789", 1_735_689_600_123),
        ("2025-01-01T02:00:00+02:00", 1_735_689_600_000),
        ("2024-12-31T19:00:00-0500", 1_735_689_600_000),
        ("1970-01-01T00:00:00", 0),
        ("1969-12-31T23:59:59.999", -1),
        ("0001-01-01T00:00:00", DatetimeText.millisecondsMin),
        ("9999-12-31T23:59:59.999", DatetimeText.millisecondsMax),
    ] as [(String, Int64)])
    func readsISODates(text: String, ms: Int64) {
        #expect(DatetimeText.parse(text) == ms)
    }

    @Test(arguments: [
        "", "2025", "2025-1-01", "2025-01-01T", "2025-01-01T24:00:00", "2025-01-01T10:60", "2025-01-01T10:00:60",
        "2025-01-01T10:00:00.", "2025-01-01T10:00:00.1234567890", "2025-01-01Z", "2025-01-01T10:00:00+2", "2025-01-01T10:00:00+24:00",
        " 2025-01-01", "2025-01-01 ", "2025-02-29", "0000-01-01", "2025-01-01T10:00:00ZZ", "9999-12-31T23:59:59-01:00",
        "2025/01/01", "2025-01-01T1:00",
    ])
    func refusesAnythingElse(text: String) {
        #expect(DatetimeText.parse(text) == nil)
    }

    /// Instants print as `YYYY-MM-DDTHH:MM:SS[.fff]` and read back to themselves.
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00"),
        (-1, "1969-12-31T23:59:59.999"),
        (1_735_689_600_050, "2025-01-01T00:00:00.050"),
        (DatetimeText.millisecondsMin, "0001-01-01T00:00:00"),
        (DatetimeText.millisecondsMax, "9999-12-31T23:59:59.999"),
    ])
    func printsAndReadsBack(ms: Int64, text: String) {
        #expect(DatetimeText.format(ms) == text)
        #expect(DatetimeText.parse(text) == ms)
    }

    /// Outside years 1–9999 there is no datetime.
    @Test func refusesInstantsOutsideTheCalendar() {
        #expect(DatetimeText.format(DatetimeText.millisecondsMax + 1) == nil)
        #expect(DatetimeText.format(Int64.min) == nil)
        #expect(DatetimeText.milliseconds(fromSeconds: .nan) == nil)
        #expect(DatetimeText.milliseconds(fromSeconds: 1e300) == nil)
        #expect(DatetimeText.milliseconds(fromSeconds: 1.5) == 1500)
    }
}
