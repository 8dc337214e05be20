// Shared by the expression tests: the sample row every evaluation table reads, a parse helper
// that returns the error as a value, an S-expression printer that shows a tree's structure
// (the canonical printer hides it where precedence makes parentheses unnecessary), and a
// seeded generator for the random tests.

@testable import ApusExpression
import ApusModel

enum Sample {
    /// 2025-01-01T00:00:00Z.
    static let timeMs: Int64 = 1_735_689_600_000

    static let row = JSONExpressionRow(
        properties: [
            JSONMember("s", .string("Hello World")),
            JSONMember("n", .number(42)),
            JSONMember("f", .number(2.5)),
            JSONMember("neg", .number(-7)),
            JSONMember("zero", .number(0)),
            JSONMember("t", .bool(true)),
            JSONMember("fl", .bool(false)),
            JSONMember("nil", .null),
            JSONMember("tags", .array([.string("a"), .string("b"), .number(1), .bool(true)])),
            JSONMember("empty", .string("")),
            JSONMember("date", .string("2025-03-01T12:00:00")),
            JSONMember("numtext", .string(" 12.5 ")),
            JSONMember("falsetext", .string("false")),
            JSONMember("listtext", .string("[1, \"x\"]")),
            JSONMember("obj", .object([JSONMember("k", .string("v"))])),
            JSONMember("Café", .string("precomposed")),
        ],
        userProperties: [JSONMember("$email", .string("ada@example.com")), JSONMember("plan", .string("pro"))],
        eventName: "Signup", timeMs: timeMs, distinctID: "u-1")
}

/// The tree of `text`, or the error.
func parse(_ text: String, limits: ExpressionLimits = .standard) -> Result<Expression, ExpressionError> {
    do {
        return .success(try ExpressionParser.parse(text, limits: limits))
    } catch {
        return .failure(error)
    }
}

/// The error `text` gives, or nil when it parses.
func parseError(_ text: String, limits: ExpressionLimits = .standard) -> ExpressionError? {
    if case .failure(let error) = parse(text, limits: limits) { return error }
    return nil
}

/// The value of `text` on the sample row; nil when it does not parse.
func evaluate(_ text: String) -> ExpressionValue? {
    guard case .success(let expression) = parse(text) else { return nil }
    return ExpressionEvaluator.evaluate(expression, row: Sample.row)
}

/// The tree as an S-expression: `(+ 1 (* 2 3))`, `p:a` for properties["a"], `u:a`, `e:$time`.
func sexpr(_ e: Expression) -> String {
    switch e.kind {
    case .string(let s): return ExpressionText.quoted(s)
    case .number(let n): return ExpressionText.number(n)
    case .boolean(let b): return b ? "true" : "false"
    case .null: return "null"
    case .datetime(let ms): return "@\(ms)"
    case .list(let items): return "[" + items.map(sexpr).joined(separator: " ") + "]"
    case .property(let key): return "p:\(key)"
    case .userProperty(let key): return "u:\(key)"
    case .eventField(let field): return "e:\(field.rawValue)"
    case .variable(let name): return name
    case .negate(let x): return "(- \(sexpr(x)))"
    case .not(let x): return "(not \(sexpr(x)))"
    case .binary(let op, let l, let r): return "(\(op.rawValue) \(sexpr(l)) \(sexpr(r)))"
    case .and(let items): return "(and " + items.map(sexpr).joined(separator: " ") + ")"
    case .or(let items): return "(or " + items.map(sexpr).joined(separator: " ") + ")"
    case .call(let f, let args): return "(\(f.rawValue) " + args.map(sexpr).joined(separator: " ") + ")"
    case .any(let v, let l, let p): return "(any \(v) \(sexpr(l)) \(sexpr(p)))"
    }
}

/// SplitMix64: small, seeded, the same on every platform.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
