// Every type rule of spec §3.3, operator by operator, on values directly; where the spec is
// silent the table states the choice made (see ExpressionSemantics).

@testable import ApusExpression
import Testing

private let u = ExpressionValue.undefined
private let jan1 = ExpressionValue.datetime(Sample.timeMs)

struct ExpressionSemanticsTests {
    /// `- * / %` need two numbers; division by zero and non-finite results are undefined;
    /// `%` keeps the dividend's sign.
    @Test(arguments: [
        (BinaryOperator.subtract, ExpressionValue.number(5), ExpressionValue.number(3), ExpressionValue.number(2)),
        (.multiply, .number(5), .number(3), .number(15)),
        (.divide, .number(6), .number(4), .number(1.5)),
        (.divide, .number(6), .number(0), u),
        (.divide, .number(0), .number(0), u),
        (.remainder, .number(7), .number(3), .number(1)),
        (.remainder, .number(-7), .number(3), .number(-1)),
        (.remainder, .number(7), .number(-3), .number(1)),
        (.remainder, .number(7), .number(0), u),
        (.multiply, .number(1e308), .number(10), u),
        (.subtract, .string("5"), .number(3), u),
        (.multiply, .boolean(true), .number(3), u),
        (.divide, .null, .number(3), u),
        (.subtract, jan1, .number(1), u),
        (.remainder, u, .number(3), u),
        (.add, .number(1), .number(2), .number(3)),
        (.add, .string("a"), .string("b"), .string("ab")),
        (.add, .string("a"), .number(1), u),
        (.add, .number(1), .boolean(true), u),
        (.add, .list([.number(1)]), .list([.number(2)]), u),
        (.add, .number(1e308), .number(1e308), u),
    ])
    func arithmeticNeedsNumbers(op: BinaryOperator, a: ExpressionValue, b: ExpressionValue, result: ExpressionValue) {
        #expect(ExpressionSemantics.arithmetic(op, a, b) == result)
    }

    /// `==` is always a boolean; different types are unequal; undefined equals nothing; a
    /// datetime equals a string naming the same instant.
    @Test(arguments: [
        (ExpressionValue.string("a"), ExpressionValue.string("a"), true),
        (.string("a"), .string("b"), false),
        (.string("\u{E9}"), .string("e\u{301}"), false),
        (.number(1), .number(1.0), true),
        (.number(1), .string("1"), false),
        (.boolean(true), .number(1), false),
        (.boolean(false), .boolean(false), true),
        (.null, .null, true),
        (.null, u, false),
        (u, u, false),
        (u, .string(""), false),
        (.list([.number(1), .string("a")]), .list([.number(1), .string("a")]), true),
        (.list([.number(1)]), .list([.number(1), .number(2)]), false),
        (.list([.string("a")]), .string("a"), false),
        (jan1, .datetime(Sample.timeMs), true),
        (jan1, .string("2025-01-01T00:00:00"), true),
        (.string("2025-01-01"), jan1, true),
        (jan1, .string("2025-01-02"), false),
        (jan1, .number(1_735_689_600), false),
    ])
    func equalityIsAlwaysBoolean(a: ExpressionValue, b: ExpressionValue, equal: Bool) {
        #expect(ExpressionSemantics.equals(a, b) == equal)
        #expect(ExpressionSemantics.equals(b, a) == equal)
    }

    /// `> >= < <=` order numbers and datetimes (strings naming dates count as datetimes);
    /// everything else, strings included, is undefined.
    @Test(arguments: [
        (BinaryOperator.less, ExpressionValue.number(1), ExpressionValue.number(2), ExpressionValue.boolean(true)),
        (.lessOrEqual, .number(2), .number(2), .boolean(true)),
        (.greater, .number(2), .number(2), .boolean(false)),
        (.greaterOrEqual, .number(-1), .number(2), .boolean(false)),
        (.less, .string("a"), .string("b"), u),
        (.less, .number(1), .string("2"), u),
        (.less, .boolean(false), .boolean(true), u),
        (.less, u, .number(1), u),
        (.less, .null, .number(1), u),
        (.less, .list([]), .number(1), u),
        (.less, jan1, .datetime(Sample.timeMs + 1), .boolean(true)),
        (.greaterOrEqual, jan1, .string("2024-12-31T23:59:59"), .boolean(true)),
        (.less, .string("2024-12-31"), jan1, .boolean(true)),
        (.less, jan1, .string("soon"), u),
        (.less, jan1, .number(0), u),
    ])
    func orderingNeedsNumbersOrDatetimes(op: BinaryOperator, a: ExpressionValue, b: ExpressionValue, result: ExpressionValue) {
        #expect(ExpressionSemantics.compare(op, a, b) == result)
    }

    /// `in`: substring for two strings, membership for a list, undefined otherwise.
    @Test(arguments: [
        (ExpressionValue.string("ell"), ExpressionValue.string("Hello"), ExpressionValue.boolean(true)),
        (.string("ELL"), .string("Hello"), .boolean(false)),
        (.string(""), .string("Hello"), .boolean(true)),
        (.string("Hello!"), .string("Hello"), .boolean(false)),
        (.string("\u{E9}"), .string("Cafe\u{301}"), .boolean(false)),
        (.number(1), .string("123"), u),
        (.string("1"), .number(123), u),
        (.string("a"), u, u),
        (.string("a"), .null, u),
        (.number(2), .list([.number(1), .number(2)]), .boolean(true)),
        (.string("2"), .list([.number(1), .number(2)]), .boolean(false)),
        (u, .list([.number(1)]), .boolean(false)),
        (.null, .list([.null]), .boolean(true)),
        (.list([.number(1)]), .list([.list([.number(1)])]), .boolean(true)),
    ])
    func inIsSubstringOrMembership(a: ExpressionValue, b: ExpressionValue, result: ExpressionValue) {
        #expect(ExpressionSemantics.contains(a, in: b) == result)
    }

    /// `and`/`or` read undefined as false; any other non-boolean operand makes them undefined.
    @Test(arguments: [
        ([ExpressionValue.boolean(true), .boolean(true)], ExpressionValue.boolean(true), ExpressionValue.boolean(true)),
        ([.boolean(true), .boolean(false)], .boolean(false), .boolean(true)),
        ([.boolean(true), u], .boolean(false), .boolean(true)),
        ([u, u], .boolean(false), .boolean(false)),
        ([.boolean(false), .number(1)], u, u),
        ([.boolean(true), .string("true")], u, u),
        ([.null, .boolean(true)], u, u),
        ([.boolean(true), .boolean(true), .boolean(false)], .boolean(false), .boolean(true)),
    ])
    func andOrTreatUndefinedAsFalse(operands: [ExpressionValue], and: ExpressionValue, or: ExpressionValue) {
        #expect(ExpressionSemantics.and(operands) == and)
        #expect(ExpressionSemantics.or(operands) == or)
    }

    /// `not` negates booleans, turns undefined into true, and anything else into undefined;
    /// unary minus takes numbers only.
    @Test(arguments: [
        (ExpressionValue.boolean(true), ExpressionValue.boolean(false), u),
        (.boolean(false), .boolean(true), u),
        (u, .boolean(true), u),
        (.null, u, u),
        (.string("x"), u, u),
        (.number(0), u, .number(-0.0)),
        (.number(2), u, .number(-2)),
    ])
    func notAndNegate(a: ExpressionValue, not: ExpressionValue, negated: ExpressionValue) {
        #expect(ExpressionSemantics.not(a) == not)
        #expect(ExpressionSemantics.negate(a) == negated)
    }

    /// Casts (spec §3.3 plus the choices for datetimes and lists).
    @Test(arguments: [
        // string(x)
        (ExpressionFunction.string, ExpressionValue.string("a"), ExpressionValue.string("a")),
        (.string, .number(5), .string("5")),
        (.string, .number(0.25), .string("0.25")),
        (.string, .number(-1e21), .string("-1e+21")),
        (.string, .boolean(false), .string("false")),
        (.string, .null, .null),
        (.string, u, u),
        (.string, .datetime(Sample.timeMs + 5), .string("2025-01-01T00:00:00.005")),
        (.string, .list([.string("a"), .number(1)]), .string("[\"a\",1]")),
        // number(x)
        (.number, .string("12.5"), .number(12.5)),
        (.number, .string(" -3e2 "), .number(-300)),
        (.number, .string("12abc"), u),
        (.number, .string("0x10"), u),
        (.number, .string(""), u),
        (.number, .number(7), .number(7)),
        (.number, .boolean(true), .number(1)),
        (.number, .boolean(false), .number(0)),
        (.number, .null, u),
        (.number, u, u),
        (.number, jan1, .number(1_735_689_600)),
        (.number, .list([.number(1)]), u),
        // boolean(x)
        (.boolean, .string("true"), .boolean(true)),
        (.boolean, .string("false"), .boolean(false)),
        (.boolean, .string(""), .boolean(false)),
        (.boolean, .string("no"), .boolean(true)),
        (.boolean, .number(0), .boolean(false)),
        (.boolean, .number(-2), .boolean(true)),
        (.boolean, .null, .boolean(false)),
        (.boolean, u, .boolean(false)),
        (.boolean, .list([]), .boolean(true)),
        (.boolean, jan1, .boolean(true)),
        // datetime(x)
        (.datetime, .number(1_735_689_600), jan1),
        (.datetime, .string("2025-01-01T00:00:00Z"), jan1),
        (.datetime, .string("2025-01-01T00:00:00.000-00:00"), jan1),
        (.datetime, .string("2025-02-30"), u),
        (.datetime, .number(1e20), u),
        (.datetime, .boolean(true), u),
        (.datetime, .null, u),
        // list(x)
        (.list, .list([.number(1)]), .list([.number(1)])),
        (.list, .string(" [\"a\"]"), .list([.string("a")])),
        (.list, .string("a,b"), u),
        (.list, .string("{\"a\":1}"), u),
        (.list, .number(1), u),
        // defined(x)
        (.defined, .null, .boolean(true)),
        (.defined, .string(""), .boolean(true)),
        (.defined, u, .boolean(false)),
        // rounding, case mapping
        (.floor, .number(-1.5), .number(-2)),
        (.ceil, .number(-1.5), .number(-1)),
        (.round, .number(0.5), .number(1)),
        (.round, .string("1.5"), u),
        (.lower, .string("ÀB"), .string("àb")),
        (.upper, .null, u),
    ])
    func castsAndFunctions(function: ExpressionFunction, argument: ExpressionValue, result: ExpressionValue) {
        #expect(ExpressionSemantics.call(function, [argument]) == result)
    }

    /// The two-argument `string` replaces only undefined.
    @Test func stringDefaultReplacesOnlyUndefined() {
        #expect(ExpressionSemantics.call(.string, [u, .string("d")]) == .string("d"))
        #expect(ExpressionSemantics.call(.string, [.null, .string("d")]) == .null)
        #expect(ExpressionSemantics.call(.string, [.number(1), .string("d")]) == .string("1"))
    }
}
