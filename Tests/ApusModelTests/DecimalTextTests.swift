// Strict decimal text: what query parameters and quoted times may look like.

import ApusModel
import Testing

struct DecimalTextTests {
    /// Plain digits read as integers; signs, spaces, hex and overlong values do not.
    @Test(arguments: [
        ("0", 0), ("5", 5), ("4242", 4242), ("007", 7), ("999999999999999999", 999_999_999_999_999_999),
    ] as [(String, Int64)])
    func readsPlainDigits(text: String, value: Int64) {
        #expect(DecimalText.integer(text) == value)
    }

    @Test(arguments: ["", "+5", "-5", " 5", "5 ", "0x10", "1e3", "5.0", "1000000000000000000", "٣"])
    func refusesAnythingButPlainDigits(text: String) {
        #expect(DecimalText.integer(text) == nil)
    }

    /// JSON number grammar, whole string.
    @Test(arguments: [("1735689600", 1_735_689_600), ("1735689600.123", 1_735_689_600.123), ("-1", -1), ("1e3", 1000)] as [(String, Double)])
    func readsJSONNumbers(text: String, value: Double) {
        #expect(DecimalText.number(text) == value)
    }

    @Test(arguments: ["0x10", "inf", "Infinity", "nan", "+5", "5.", ".5", "01", "1e400", "1 ", " 1", "1,5", ""])
    func refusesTextThatIsNotAJSONNumber(text: String) {
        #expect(DecimalText.number(text) == nil)
    }

    /// Dates need four digits for the year and no sign.
    @Test func datesAreFourDigitYearsWithoutSign() {
        #expect(CivilDate(parsing: "2026-11-01") == CivilDate(year: 2026, month: 11, day: 1))
        #expect(CivilDate(parsing: "+026-11-01") == nil)
        #expect(CivilDate(parsing: "2026-+1-01") == nil)
        #expect(CivilDate(parsing: "2026-11-1") == nil)
        #expect(CivilDate(parsing: "2026-02-30") == nil)
    }
}
