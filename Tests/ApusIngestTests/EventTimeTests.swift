// `properties.time`: seconds or milliseconds, numbers or numeric strings, and the per-endpoint
// rules for missing and out-of-range times.

import ApusIngest
import ApusModel
import Testing

struct EventTimeTests {
    func outcome(_ time: String?, _ endpoint: IngestEndpoint = .track) throws -> (ms: Int64?, failure: RecordFailure?) {
        let result = try validate(Wire.event(time: time), eventContext(endpoint))
        return (result.accepted.first?.event.timeMs, result.failures.first)
    }

    /// Seconds (integer or float) and milliseconds (integer, float or quoted) normalise to ms.
    @Test(arguments: [
        ("1735689600", Int64(1_735_689_600_000)),
        ("1735689600.123", 1_735_689_600_123),
        ("1735689600.1239", 1_735_689_600_124),
        ("1735689600123", 1_735_689_600_123),
        ("1735689600123.4", 1_735_689_600_123),
        ("\"1735689600\"", 1_735_689_600_000),
        ("\" 1735689600123 \"", 1_735_689_600_123),
        ("1.7356896e9", 1_735_689_600_000),
        ("99999999999", 99_999_999_999_000),
        ("100000000000", 100_000_000_000),
    ])
    func normalisesSecondsAndMilliseconds(time: String, expectedMs: Int64) throws {
        let clamped = min(expectedMs, testNowMs)
        #expect(try outcome(time).ms == clamped)
        if expectedMs <= testNowMs { #expect(try outcome(time, .importEvents).ms == expectedMs) }
    }

    /// Missing (or null) time is the receive time on /track and a failure on /import.
    @Test func usesReceiveTimeWhenMissingOnTrackButFailsOnImport() throws {
        #expect(try outcome(nil).ms == testNowMs)
        #expect(try outcome("null").ms == testNowMs)
        let failure = try #require(try outcome(nil, .importEvents).failure)
        #expect(failure.field == "properties.time")
        #expect(failure.code == "missing_field")
    }

    /// Non-numeric or negative times fail on `properties.time` everywhere.
    @Test(arguments: ["\"yesterday\"", "\"\"", "true", "[1]", "{}", "-5", "\"NaN\"", "\"inf\"", "\"0x10\"", "\"+5\"", "\"1e400\""])
    func refusesNonNumericTimes(time: String) throws {
        for endpoint in [IngestEndpoint.track, .importEvents] {
            let failure = try #require(try outcome(time, endpoint).failure)
            #expect(failure.field == "properties.time")
            #expect(failure.code == "invalid_time")
            #expect(failure.message.contains("'properties.time' is invalid"))
        }
    }

    /// /track clamps future times to now and keeps old ones.
    @Test func clampsFutureTimesToNowOnTrack() throws {
        #expect(try outcome(String(testNowMs + 86_400_000)).ms == testNowMs)
        #expect(try outcome("1e300").ms == testNowMs)
        #expect(try outcome("1000").ms == 1_000_000)
    }

    /// /import refuses times before 1971 or more than an hour ahead, and keeps those in between.
    @Test func refusesImportTimesOutOfRange() throws {
        let hour: Int64 = 3_600_000
        #expect(try outcome(String(testNowMs + hour), .importEvents).ms == testNowMs + hour)
        #expect(try outcome("31536000", .importEvents).ms == 31_536_000_000)
        for time in [String(testNowMs + hour + 1), "31535999", "0", "1e300"] {
            let failure = try #require(try outcome(time, .importEvents).failure, "time \(time)")
            #expect(failure.code == "time_out_of_range")
            #expect(failure.field == "properties.time")
        }
    }
}
