// JSON numbers to Double, correctly rounded.
// Fast path (Clinger): when the decimal significand fits in 53 bits and the power of ten is
// at most 22 either way, both are exact doubles and one multiplication or division rounds
// correctly. That covers integers, timestamps and ordinary decimals. Everything else (long
// significands, large exponents) goes to the standard library's correctly rounded parser.

extension JSONParser {
    /// Exact powers of ten as doubles, 10^0 through 10^22.
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Reads the number at `offset` (a '-' or a digit); leaves `offset` after it.
    public mutating func readNumber() throws(JSONParseError) -> Double {
        try parseNumber()
    }

    /// Parses the number at `offset`; leaves `offset` after it.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let n = input.count
        let start = offset
        var i = offset
        var negative = false
        if input[i] == .minus {
            negative = true
            i += 1
        }
        guard i < n else {
            throw error(.unexpectedEnd, "the JSON text ended inside a number", at: n)
        }

        var significand: UInt64 = 0
        var significantDigits = 0 // digits held in `significand`, leading zeros excluded
        var exponent = 0 // value = significand × 10^exponent
        var exact = true

        let first = input[i]
        if first == .digit0 {
            i += 1
            if i < n, isDigit(input[i]) {
                throw error(.invalidNumber, "a number has a leading zero; write it without leading zeros", at: start)
            }
        } else if isDigit(first) {
            while i < n, isDigit(input[i]) {
                if significantDigits < 19 {
                    significand = significand &* 10 &+ UInt64(input[i] &- .digit0)
                    significantDigits += 1
                } else {
                    exponent += 1
                    exact = false
                }
                i += 1
            }
        } else {
            offset = i
            throw error(.invalidNumber, "a '-' must be followed by a digit", at: i)
        }

        if i < n, input[i] == .dot {
            i += 1
            guard i < n, isDigit(input[i]) else {
                throw error(.invalidNumber, "a digit must follow the decimal point", at: min(i, n))
            }
            while i < n, isDigit(input[i]) {
                let digit = UInt64(input[i] &- .digit0)
                if significantDigits < 19 {
                    if significand != 0 || digit != 0 {
                        significand = significand &* 10 &+ digit
                        significantDigits += 1
                    }
                    exponent -= 1
                } else {
                    exact = false
                }
                i += 1
            }
        }

        if i < n, input[i] == .letterE || input[i] == .letterLowerE {
            i += 1
            var exponentNegative = false
            if i < n, input[i] == .plus || input[i] == .minus {
                exponentNegative = input[i] == .minus
                i += 1
            }
            guard i < n, isDigit(input[i]) else {
                throw error(.invalidNumber, "an exponent needs at least one digit", at: min(i, n))
            }
            var written = 0
            while i < n, isDigit(input[i]) {
                if written < 100_000 { written = written * 10 + Int(input[i] &- .digit0) }
                i += 1
            }
            exponent += exponentNegative ? -written : written
        }

        offset = i
        if significand == 0 && exact {
            return negative ? -0.0 : 0.0
        }
        if exact && significand <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            let mantissa = Double(significand)
            let value = exponent < 0
                ? mantissa / Self.powersOfTen[-exponent]
                : mantissa * Self.powersOfTen[exponent]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start ..< i]), as: UTF8.self)
        guard let value = Double(text) else {
            throw error(.invalidNumber, "the number could not be read", at: start)
        }
        guard value.isFinite else {
            throw error(.numberOutOfRange, "the number is too large for a 64-bit float", at: start)
        }
        return value
    }

    @inline(__always)
    func isDigit(_ b: UInt8) -> Bool { b &- .digit0 < 10 }
}
