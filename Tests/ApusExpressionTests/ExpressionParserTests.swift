// Parsing: each construct of spec §3.1–3.2 gives the expected tree, printed canonically, and
// precedence follows §3.4.

@testable import ApusExpression
import Testing

struct ExpressionParserTests {
    /// Every construct parses, and prints back in canonical form.
    @Test(arguments: [
        ("properties[\"$browser\"]", "properties[\"$browser\"]"),
        ("properties [ 'x' ]", "properties[\"x\"]"),
        ("user[\"$email\"]", "user[\"$email\"]"),
        ("event[\"$time\"]", "event[\"$time\"]"),
        ("event[\"$event_name\"] == \"Signup\"", "event[\"$event_name\"] == \"Signup\""),
        ("defined (properties[\"$device\"])", "defined(properties[\"$device\"])"),
        ("NOT defined(properties[\"a\"])", "not defined(properties[\"a\"])"),
        ("properties[\"a\"]==1 AND properties[\"b\"]!=2 Or true", "properties[\"a\"] == 1 and properties[\"b\"] != 2 or true"),
        ("properties[\"n\"] >= 1 and properties[\"n\"] < 2.5", "properties[\"n\"] >= 1 and properties[\"n\"] < 2.5"),
        ("not \"x\" in properties[\"s\"]", "not \"x\" in properties[\"s\"]"),
        ("properties[\"id\"] in [1,2, \"a\",true, null]", "properties[\"id\"] in [1, 2, \"a\", true, null]"),
        ("[]", "[]"),
        ("1+2-3*4/5%6", "1 + 2 - 3 * 4 / 5 % 6"),
        ("-properties[\"n\"]", "-properties[\"n\"]"),
        ("- -1", "--1"),
        ("FLOOR(1.5) + Round(2.5) + ceil(0.1)", "floor(1.5) + round(2.5) + ceil(0.1)"),
        ("string(properties[\"a\"], \"undefined\")", "string(properties[\"a\"], \"undefined\")"),
        ("number(\"5\") + boolean(1) + list(properties[\"l\"])", "number(\"5\") + boolean(1) + list(properties[\"l\"])"),
        ("lower(properties[\"s\"]) == upper(\"x\")", "lower(properties[\"s\"]) == upper(\"x\")"),
        ("datetime(\"2025-01-01T00:00:00\")", "datetime(\"2025-01-01T00:00:00\")"),
        ("datetime(\"2025-01-01\")", "datetime(\"2025-01-01T00:00:00\")"),
        ("datetime(1735689600.5)", "datetime(\"2025-01-01T00:00:00.500\")"),
        ("datetime(properties[\"d\"])", "datetime(properties[\"d\"])"),
        ("any(X, properties[\"list\"], X=\"v\")", "any(X, properties[\"list\"], X == \"v\")"),
        ("any(item, properties[\"l\"], item > 1 and item < 5)", "any(item, properties[\"l\"], item > 1 and item < 5)"),
        ("TRUE or FALSE or NULL == null", "true or false or null == null"),
        ("\"a\\\"b\\\\c\\n\\t\\u00e9\\/\"", "\"a\\\"b\\\\c\\n\\té/\""),
        ("1.5e3 + 2E-2 + 007", "1500 + 0.02 + 7"),
        ("((properties[\"a\"]))", "properties[\"a\"]"),
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("1 - (2 - 3)", "1 - (2 - 3)"),
        ("true and (false and true)", "true and (false and true)"),
        ("(true or false) and true", "(true or false) and true"),
        ("not (true and false)", "not (true and false)"),
        ("(not true) == false", "(not true) == false"),
    ])
    func parsesEachConstructAndPrintsItCanonically(text: String, printed: String) throws {
        let expression = try ExpressionParser.parse(text)
        #expect(expression.description == printed)
        #expect(try ExpressionParser.parse(printed) == expression)
    }

    /// Precedence and associativity (spec §3.4), shown as S-expressions.
    @Test(arguments: [
        ("not \"x\" in properties[\"y\"]", "(not (in \"x\" p:y))"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("-2 * 3", "(* (- 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("2 * 3 % 4", "(% (* 2 3) 4)"),
        ("1 + 2 in properties[\"x\"]", "(in (+ 1 2) p:x)"),
        ("\"a\" in properties[\"b\"] == true", "(== (in \"a\" p:b) true)"),
        ("1 < 2 == true", "(== (< 1 2) true)"),
        ("1 < 2 < 3", "(< (< 1 2) 3)"),
        ("\"a\" in properties[\"b\"] < 3", "(< (in \"a\" p:b) 3)"),
        ("not properties[\"a\"] == 1", "(not (== p:a 1))"),
        ("not true and false", "(and (not true) false)"),
        ("not not true", "(not (not true))"),
        ("true or false and true", "(or true (and false true))"),
        ("true and false or true and true", "(or (and true false) (and true true))"),
        ("true and false and true", "(and true false true)"),
        ("- - 1", "(- (- 1))"),
        ("1 - -1", "(- 1 (- 1))"),
        ("properties[\"a\"] == 1 != false", "(!= (== p:a 1) false)"),
        ("any(X, properties[\"l\"], X = 1 or X = 2)", "(any X p:l (or (== X 1) (== X 2)))"),
    ])
    func followsThePrecedenceTable(text: String, tree: String) throws {
        #expect(sexpr(try ExpressionParser.parse(text)) == tree)
    }

    /// Nodes know the characters they came from.
    @Test func nodesCarryTheirSourceRange() throws {
        let text = "properties[\"a\"] == (1 + 2)"
        let expression = try ExpressionParser.parse(text)
        #expect(expression.range == 0 ..< 25)
        guard case .binary(.equal, let left, let right) = expression.kind else {
            Issue.record("not a comparison: \(sexpr(expression))")
            return
        }
        #expect(left.range == 0 ..< 15)
        #expect(right.range == 20 ..< 25) // the sum, without its parentheses
        #expect(expression.depth == 3)
        #expect(expression.nodeCount == 5)
    }

    /// `datetime` of a literal becomes a constant instant while parsing.
    @Test(arguments: [
        ("datetime(\"2025-01-01T00:00:00\")", Sample.timeMs),
        ("datetime(\"2025-01-01T01:00:00+01:00\")", Sample.timeMs),
        ("datetime(\"2025-01-01 00:00:00Z\")", Sample.timeMs),
        ("datetime(1735689600)", Sample.timeMs),
        ("DateTime(0)", 0),
    ])
    func foldsDatetimeLiteralsToInstants(text: String, ms: Int64) throws {
        #expect(try ExpressionParser.parse(text).kind == .datetime(ms))
    }

    /// Keywords and function names ignore case; `any` variables do not.
    @Test func keywordsIgnoreCaseButVariablesDoNot() throws {
        #expect(try ExpressionParser.parse("Properties[\"a\"] IN [1] AnD DEFINED(User[\"b\"])").description
            == "properties[\"a\"] in [1] and defined(user[\"b\"])")
        #expect(parseError("any(X, properties[\"l\"], x == 1)")?.code == .unknownIdentifier)
    }

    /// Property names keep their exact bytes: two spellings of "é" are two properties.
    @Test func propertyNamesCompareByBytes() throws {
        let precomposed = try ExpressionParser.parse("properties[\"Caf\u{E9}\"]")
        let decomposed = try ExpressionParser.parse("properties[\"Cafe\u{301}\"]")
        #expect(precomposed != decomposed)
    }
}
