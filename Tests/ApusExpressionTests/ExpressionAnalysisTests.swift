// Static analysis for the query engine: which properties, profile properties and event fields
// an expression reads, and constant folding.

@testable import ApusExpression
import Testing

struct ExpressionAnalysisTests {
    /// References are listed once each, in order of first appearance.
    @Test func listsWhatTheExpressionReads() throws {
        let expression = try ExpressionParser.parse("""
            properties["b"] == 1 and properties["a"] in user["tags"] and any(X, properties["b"], X == user["plan"]) \
            and event["$time"] > datetime("2025-01-01")
            """)
        let references = expression.references
        #expect(references.propertyKeys == ["b", "a"])
        #expect(references.userPropertyKeys == ["tags", "plan"])
        #expect(references.eventFields == [.time])
        #expect(references.usesEventTime)
        #expect(!references.usesEventName)
        #expect(references.containsUserProperties)
        #expect(references.firstUserPropertyOffset == 44)
    }

    /// An expression over event properties only needs no profiles.
    @Test func eventOnlyExpressionsNeedNoProfiles() throws {
        let references = try ExpressionParser.parse("event[\"$event_name\"] == \"Signup\" or defined(properties[\"x\"])").references
        #expect(references.propertyKeys == ["x"])
        #expect(references.userPropertyKeys.isEmpty)
        #expect(references.usesEventName)
        #expect(!references.containsUserProperties)
        #expect(references.firstUserPropertyOffset == nil)
    }

    /// Keys that differ only in Unicode normalisation are two keys.
    @Test func keysAreDistinguishedByBytes() throws {
        let references = try ExpressionParser.parse("properties[\"Caf\u{E9}\"] == properties[\"Cafe\u{301}\"]").references
        #expect(references.propertyKeys.count == 2)
    }

    /// Constant subtrees fold to literals; subtrees that read the row stay.
    @Test(arguments: [
        ("1 + 2 * 3", "7"),
        ("-5", "-5"),
        ("lower(\"AB\") + \"c\"", "\"abc\""),
        ("properties[\"a\"] > 60 * 60 * 24", "properties[\"a\"] > 86400"),
        ("event[\"$time\"] > datetime(\"2025-01-01\")", "event[\"$time\"] > datetime(\"2025-01-01T00:00:00\")"),
        ("datetime(1735689600 + 86400)", "datetime(\"2025-01-02T00:00:00\")"),
        ("string([1, 2])", "\"[1,2]\""),
        ("list(\"[1, 2]\")", "[1, 2]"),
        ("1 / 0", "1 / 0"),
        ("1 in [1, 2] and properties[\"t\"]", "true and properties[\"t\"]"),
        ("not (1 > 2)", "true"),
        ("any(X, [1, 2], X == 2)", "any(X, [1, 2], X == 2)"),
    ])
    func foldsConstantSubtrees(text: String, folded: String) throws {
        let expression = try ExpressionParser.parse(text)
        #expect(expression.folded().description == folded)
        #expect(ExpressionEvaluator.evaluate(expression.folded(), row: Sample.row)
            == ExpressionEvaluator.evaluate(expression, row: Sample.row))
    }
}
