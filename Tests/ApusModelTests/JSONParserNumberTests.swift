// Numbers: the fast path and the fallback both give the correctly rounded double.

import ApusModel
import Testing

struct JSONParserNumberTests {
    /// Integers, decimals and exponents parse to the same double as Swift's own parser.
    @Test(arguments: [
        "0", "-0", "1", "-1", "42", "1700000000", "1735689600123", "9007199254740993",
        "123456789012345678901234567890", "0.1", "0.2", "0.3", "-2.5", "1735689600.123",
        "3.141592653589793", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
        "1e22", "1e23", "1E5", "1e+5", "1e-5", "12.5e-3", "0.000001", "100e-2",
        "0.1000000000000000055511151231257827", "18446744073709551615", "7.0", "1.00000000000000011102230246251565404236316680908203125",
    ])
    func parsesNumbersCorrectlyRounded(text: String) throws {
        let expected = try #require(Double(text))
        #expect(try JSONParser.parse(text) == .number(expected))
    }

    /// Negative zero keeps its sign.
    @Test func keepsTheSignOfNegativeZero() throws {
        let value = try JSONParser.parse("-0.0")
        #expect(value.numberValue?.sign == .minus)
    }

    /// Numbers outside the JSON grammar are refused.
    @Test(arguments: ["01", "-", "1.", ".5", "1e", "1e+", "+1", "-a", "0x10", "1.e5", "--1"])
    func refusesMalformedNumbers(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    /// A number too large for a double is refused rather than becoming infinity.
    @Test func refusesNumbersThatOverflow() {
        do {
            _ = try JSONParser.parse("[1e400]")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .numberOutOfRange)
            #expect(error.offset == 1)
        }
    }

    /// Tiny numbers underflow to zero, as in every JSON parser.
    @Test func underflowsTinyNumbersToZero() throws {
        #expect(try JSONParser.parse("1e-400") == .number(0))
    }
}
