// Seeded random inputs: token soups, arbitrary characters, and grammatical expressions built at
// random. None may crash; whatever parses must print to text that parses back to the same
// tree, print identically again, and evaluate (plain and constant-folded) to the same value.
// A failure names the seed and the input, so it can be replayed.

@testable import ApusExpression
import Testing

struct ExpressionRandomTests {
    /// Limits loose enough that printed text (which may be longer than the original) re-parses.
    static let roomy = ExpressionLimits(textBytesMax: 1_000_000, anyNestingMax: 8)

    /// Checks every invariant of a parsed expression; returns a description of the first broken one.
    static func checkInvariants(_ expression: Expression, text: String) -> String? {
        let printed = expression.description
        guard case .success(let reparsed) = parse(printed, limits: roomy) else {
            return "\(text.debugDescription) printed as \(printed.debugDescription), which does not parse: \(String(describing: parseError(printed, limits: roomy)))"
        }
        if reparsed != expression { return "\(text.debugDescription) → \(printed.debugDescription) parses to another tree: \(sexpr(reparsed)) ≠ \(sexpr(expression))" }
        if reparsed.description != printed { return "printing is not a fixed point: \(printed.debugDescription) → \(reparsed.description.debugDescription)" }
        let value = ExpressionEvaluator.evaluate(expression, row: Sample.row)
        let folded = expression.folded()
        let foldedValue = ExpressionEvaluator.evaluate(folded, row: Sample.row)
        if foldedValue != value { return "\(printed.debugDescription) = \(value), folded \(folded) = \(foldedValue)" }
        if case .success(let refolded) = parse(folded.description, limits: roomy),
           ExpressionEvaluator.evaluate(refolded, row: Sample.row) != value {
            return "folded text \(folded.description.debugDescription) evaluates differently"
        }
        if ExpressionEvaluator.matches(expression, row: Sample.row) != (value == .boolean(true)) { return "matches disagrees with evaluate" }
        if folded.depth > expression.depth || folded.nodeCount > expression.nodeCount { return "folding grew the tree" }
        return nil
    }

    /// Checks a refused input's error: a position inside the text and a message ending with it.
    static func checkError(_ error: ExpressionError, text: String) -> String? {
        let count = text.unicodeScalars.count
        guard (0 ... count).contains(error.offset) else { return "\(text.debugDescription): offset \(error.offset) outside 0...\(count)" }
        guard error.message.hasSuffix("at position \(error.offset)") else { return "\(text.debugDescription): message \(error.message)" }
        return nil
    }

    static func check(_ text: String) -> String? {
        switch parse(text) {
        case .success(let expression): checkInvariants(expression, text: text)
        case .failure(let error): checkError(error, text: text)
        }
    }

    static let vocabulary = [
        "properties[\"s\"]", "properties[\"n\"]", "properties[\"tags\"]", "properties[\"missing\"]", "properties[\"nil\"]",
        "properties[\"date\"]", "user[\"plan\"]", "event[\"$time\"]", "event[\"$event_name\"]", "properties", "user", "[\"x\"]",
        "(", ")", "(", ")", "[", "]", ",", "+", "-", "*", "/", "%", "==", "!=", "=", "<", "<=", ">", ">=",
        "and", "OR", "not", "in", "Not", "true", "false", "null", "0", "1", "2.5", "1e3", "42", "-1",
        "\"a\"", "\"Hello World\"", "\"\"", "\"2025-01-01\"", "'q'", "\"\\u00e9\\n\"",
        "defined", "floor", "round", "ceil", "string", "number", "boolean", "datetime", "list", "lower", "upper", "any",
        "X", "Y", "defined(", "any(X,", "datetime(\"2025-01-01T00:00:00\")",
    ]

    /// Random sequences of real tokens.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func tokenSoupsNeverCrashAndRoundTrip(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var parsed = 0
        for _ in 0 ..< 2_500 {
            let count = Int.random(in: 1 ... 24, using: &random)
            let text = (0 ..< count).map { _ in Self.vocabulary.randomElement(using: &random) ?? "" }
                .joined(separator: Bool.random(using: &random) ? " " : "")
            if case .success = parse(text) { parsed += 1 }
            if let failure = Self.check(text) {
                Issue.record("seed \(seed): \(failure)")
                return
            }
        }
        #expect(parsed > 0)
    }

    /// Random characters, quotes and backslashes included.
    @Test(arguments: [UInt64(11), 12])
    func randomTextNeverCrashes(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let pool: [Unicode.Scalar] = Array("properties[\"x\"] user event ()[],+-*/%=!<> andornotin 0123456789.eE\"'\\u tfnX".unicodeScalars)
            + ["\u{E9}", "\u{301}", "\u{1F600}", "\n", "\t", "\u{0}", "\u{7F}", "@", "#"]
        for _ in 0 ..< 4_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0 ..< Int.random(in: 0 ... 40, using: &random) {
                if let scalar = pool.randomElement(using: &random) { scalars.append(scalar) }
            }
            let text = String(scalars)
            if let failure = Self.check(text) {
                Issue.record("seed \(seed): \(failure)")
                return
            }
        }
    }

    /// Grammatical expressions built at random: they parse (unless a literal lands under
    /// and/or, or a literal that is no date under datetime), round-trip, and evaluate the same folded or not.
    @Test(arguments: [UInt64(21), 22, 23, 24])
    func generatedExpressionsRoundTrip(seed: UInt64) {
        var generator = RandomExpressionText(seed: seed)
        var parsed = 0
        for _ in 0 ..< 1_500 {
            let text = generator.expression(depth: 5)
            switch parse(text, limits: Self.roomy) {
            case .success(let expression):
                parsed += 1
                if let failure = Self.checkInvariants(expression, text: text) {
                    Issue.record("seed \(seed): \(failure)")
                    return
                }
            case .failure(let error):
                if error.code != .typeError, error.code != .invalidDatetime {
                    Issue.record("seed \(seed): \(text.debugDescription) was refused: \(error.message)")
                    return
                }
            }
        }
        #expect(parsed > 750) // most of the 1,500 are valid: the generator is not testing itself
    }
}

/// Writes random expressions that follow the grammar (with random spacing, case and brackets).
struct RandomExpressionText {
    var random: SeededGenerator
    var variables: [String] = []

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0 ..< options.count, using: &random)] }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0 ..< 100, using: &random) < percent }

    mutating func keyword(_ word: String) -> String { chance(20) ? word.uppercased() : word }

    mutating func leaf() -> String {
        if let variable = variables.last, chance(30) { return variable }
        return pick([
            "properties[\"s\"]", "properties[\"n\"]", "properties[\"f\"]", "properties[\"neg\"]", "properties[\"zero\"]",
            "properties[\"t\"]", "properties[\"fl\"]", "properties[\"nil\"]", "properties[\"tags\"]", "properties[\"missing\"]",
            "properties[\"date\"]", "properties[\"numtext\"]", "properties[\"listtext\"]", "properties[\"obj\"]",
            "user[\"plan\"]", "user[\"none\"]", "event[\"$time\"]", "event[\"$event_name\"]", "event[\"$distinct_id\"]",
            "0", "1", "2.5", "42", "1e3", "0.1", "\"a\"", "\"Hello\"", "\"\"", "\"2025-03-01\"", "'x'", "\"\\\"q\\\\\"",
            "true", "false", "null", "datetime(\"2025-01-01T00:00:00\")", "datetime(1735689600)",
        ])
    }

    mutating func expression(depth: Int) -> String {
        guard depth > 0, !chance(20) else { return leaf() }
        let d = depth - 1
        let text: String
        switch Int.random(in: 0 ..< 11, using: &random) {
        case 0, 1, 2:
            let op = pick(["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", keyword("in")])
            text = "\(expression(depth: d)) \(op) \(expression(depth: d))"
        case 3: return "(\(keyword("not")) \(expression(depth: d)))" // bare "not" cannot be an operand
        case 4: text = "-\(expression(depth: d))"
        case 5: text = "\(expression(depth: d)) \(keyword("and")) \(expression(depth: d))"
        case 6: text = "\(expression(depth: d)) \(keyword("or")) \(expression(depth: d))"
        case 7:
            let function = pick(ExpressionFunction.allCases)
            if function == .string, chance(50) {
                text = "\(keyword("string"))(\(expression(depth: d)), \(expression(depth: d)))"
            } else {
                text = "\(keyword(function.rawValue))(\(expression(depth: d)))"
            }
        case 8:
            let count = Int.random(in: 0 ... 3, using: &random)
            text = "[" + (0 ..< count).map { _ in expression(depth: d) }.joined(separator: ", ") + "]"
        case 9:
            let variable = pick(["X", "Y", "item"])
            let list = expression(depth: d)
            variables.append(variable)
            let predicate = "\(variable) \(pick(["=", "==", "!=", ">"])) \(expression(depth: d))"
            variables.removeLast()
            text = "\(keyword("any"))(\(variable), \(list), \(predicate))"
        default: text = expression(depth: d)
        }
        return chance(40) ? "(\(text))" : text
    }
}
