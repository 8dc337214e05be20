// The meaning of each operator on values (spec §3.3), as pure functions. The reference
// evaluator calls these, and a compiled engine can call them for the cases its kernels do not
// specialise, so the two cannot drift apart. Where the spec is silent the choice is written
// next to the code and repeated in the tests.

/// Operators of the language applied to values.
package enum ExpressionSemantics {
    // MARK: Arithmetic: numbers only; a result that is not finite is undefined.

    /// `a + b`: numbers add, strings concatenate, anything else is undefined.
    package static func add(_ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        switch (a, b) {
        case (.number(let x), .number(let y)): finite(x + y)
        case (.string(let x), .string(let y)): .string(x + y)
        default: .undefined
        }
    }

    /// `a - b`, `a * b`, `a / b`, `a % b`: both numbers, else undefined; dividing by zero is
    /// undefined; `%` takes the dividend's sign (`-7 % 3` is `-1`).
    package static func arithmetic(_ op: BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        if op == .add { return add(a, b) }
        guard case .number(let x) = a, case .number(let y) = b else { return .undefined }
        switch op {
        case .subtract: return finite(x - y)
        case .multiply: return finite(x * y)
        case .divide: return y == 0 ? .undefined : finite(x / y)
        case .remainder: return y == 0 ? .undefined : finite(x.truncatingRemainder(dividingBy: y))
        default: return .undefined
        }
    }

    /// Unary `-`: numbers only.
    package static func negate(_ a: ExpressionValue) -> ExpressionValue {
        if case .number(let x) = a { return .number(-x) }
        return .undefined
    }

    private static func finite(_ x: Double) -> ExpressionValue { x.isFinite ? .number(x) : .undefined }

    // MARK: Comparison

    /// The language's `==`: always a boolean. Values of different types are unequal, except a
    /// datetime and a string holding a date (Mixpanel treats such strings as dates), which
    /// compare as instants. `undefined` equals nothing, not even `undefined`; `null == null`.
    /// Strings compare by their UTF-8 bytes; lists element by element.
    package static func equals(_ a: ExpressionValue, _ b: ExpressionValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x.utf8.elementsEqual(y.utf8)
        case (.number(let x), .number(let y)): x == y
        case (.boolean(let x), .boolean(let y)): x == y
        case (.datetime(let x), .datetime(let y)): x == y
        case (.datetime(let x), .string(let s)), (.string(let s), .datetime(let x)): DatetimeText.parse(s) == x
        case (.null, .null): true
        case (.list(let x), .list(let y)): x.count == y.count && zip(x, y).allSatisfy { equals($0, $1) }
        default: false
        }
    }

    /// `<`, `<=`, `>`, `>=`: numbers with numbers, datetimes with datetimes (or with strings
    /// holding dates); any other pair, strings included, is undefined.
    package static func compare(_ op: BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        let order: Int
        switch (a, b) {
        case (.number(let x), .number(let y)): order = x < y ? -1 : x > y ? 1 : 0
        case (.datetime(let x), .datetime(let y)): order = x < y ? -1 : x > y ? 1 : 0
        case (.datetime(let x), .string(let s)):
            guard let y = DatetimeText.parse(s) else { return .undefined }
            order = x < y ? -1 : x > y ? 1 : 0
        case (.string(let s), .datetime(let y)):
            guard let x = DatetimeText.parse(s) else { return .undefined }
            order = x < y ? -1 : x > y ? 1 : 0
        default: return .undefined
        }
        switch op {
        case .less: return .boolean(order < 0)
        case .lessOrEqual: return .boolean(order <= 0)
        case .greater: return .boolean(order > 0)
        case .greaterOrEqual: return .boolean(order >= 0)
        default: return .undefined
        }
    }

    /// `a in b`: with two strings, whether `a` occurs in `b` (bytewise; `""` occurs in every
    /// string); with a list on the right, whether some element `equals` `a`; otherwise undefined.
    package static func contains(_ a: ExpressionValue, in b: ExpressionValue) -> ExpressionValue {
        switch (a, b) {
        case (.string(let needle), .string(let haystack)): .boolean(isSubstring(needle, of: haystack))
        case (_, .list(let items)): .boolean(items.contains { equals($0, a) })
        default: .undefined
        }
    }

    static func isSubstring(_ needle: String, of haystack: String) -> Bool {
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return true }
        let h = Array(haystack.utf8)
        guard h.count >= n.count else { return false }
        for start in 0 ... h.count - n.count where h[start] == n[0] {
            var i = 1
            while i < n.count, h[start + i] == n[i] { i += 1 }
            if i == n.count { return true }
        }
        return false
    }

    // MARK: Logic

    /// An operand of `and`/`or`: a boolean, or undefined read as false; nil for other types.
    package static func truth(_ a: ExpressionValue) -> Bool? {
        switch a {
        case .boolean(let b): b
        case .undefined: false
        default: nil
        }
    }

    /// `and` over all operands: undefined when any operand is neither boolean nor undefined
    /// (the spec calls that an error; the parser refuses literal cases); no short-circuit, so
    /// the result does not depend on operand order.
    package static func and(_ operands: [ExpressionValue]) -> ExpressionValue {
        var result = true
        for operand in operands {
            guard let t = truth(operand) else { return .undefined }
            result = result && t
        }
        return .boolean(result)
    }

    /// `or` over all operands, with the rules of `and`.
    package static func or(_ operands: [ExpressionValue]) -> ExpressionValue {
        var result = false
        for operand in operands {
            guard let t = truth(operand) else { return .undefined }
            result = result || t
        }
        return .boolean(result)
    }

    /// `not`: negates a boolean; `not undefined` is true (so `not "x" in p` keeps rows where `p`
    /// is missing); any other type is undefined.
    package static func not(_ a: ExpressionValue) -> ExpressionValue {
        switch a {
        case .boolean(let b): .boolean(!b)
        case .undefined: .boolean(true)
        default: .undefined
        }
    }
}
