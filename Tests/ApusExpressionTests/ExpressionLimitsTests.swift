// Limits: over any of them an expression is refused with a coded error, and never crashes,
// however deep or long the text.

@testable import ApusExpression
import Testing

struct ExpressionLimitsTests {
    /// Text limits loose enough that only nesting can refuse the deep inputs below.
    static let roomy = ExpressionLimits(textBytesMax: 1_000_000)

    /// 10,000 nested "(" is refused as too deep, without overflowing the stack.
    @Test func tenThousandOpenParenthesesAreTooDeep() throws {
        let error = try #require(parseError(String(repeating: "(", count: 10_000)))
        #expect(error.code == .tooDeep)
        #expect(error.offset == 64)
        let balanced = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(parseError(balanced, limits: Self.roomy)?.code == .tooDeep)
        #expect(parseError(balanced)?.code == .tooLong)
        #expect(parseError(String(repeating: "[", count: 10_000))?.code == .tooDeep)
        #expect(parseError(String(repeating: "floor(", count: 1_000))?.code == .tooDeep)
    }

    /// Nesting right up to the limit parses; one more level does not.
    @Test func nestingUpToTheLimitParses() {
        let within = String(repeating: "(", count: 63) + "1" + String(repeating: ")", count: 63)
        #expect(parseError(within) == nil)
        let beyond = String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64)
        #expect(parseError(beyond)?.code == .tooDeep)
    }

    /// Prefix operators count as nesting.
    @Test(arguments: ["not ", "-", "NOT "])
    func longPrefixChainsAreTooDeep(prefix: String) {
        #expect(parseError(String(repeating: prefix, count: 10_000) + "true", limits: Self.roomy)?.code == .tooDeep)
        #expect(parseError(String(repeating: prefix, count: 60) + "true") == nil)
    }

    /// A left-associative chain is as deep as it is long; and/or chains are flat.
    @Test func chainsOfOperators() {
        let sum = { (n: Int) in (1 ... n).map(String.init).joined(separator: " + ") }
        #expect(parseError(sum(64)) == nil)
        #expect(parseError(sum(65))?.code == .tooDeep)
        let roomy = ExpressionLimits(textBytesMax: 100_000)
        let alternatives = (1 ... 600).map { "properties[\"a\"] == \($0)" }.joined(separator: " or ")
        #expect(parseError(alternatives, limits: roomy) == nil)
        let tooMany = (1 ... 700).map { "properties[\"a\"] == \($0)" }.joined(separator: " OR ")
        #expect(parseError(tooMany, limits: roomy)?.code == .tooManyNodes)
    }

    /// Text, list and node limits.
    @Test func textListAndNodeLimits() throws {
        let long = "\"" + String(repeating: "x", count: 10_000) + "\""
        let tooLong = try #require(parseError(long))
        #expect(tooLong.code == .tooLong)
        #expect(tooLong.offset == 10_000)
        #expect(parseError(String(repeating: "é", count: 5_001))?.offset == 5_000)
        let list = { (n: Int) in "[" + (1 ... n).map(String.init).joined(separator: ",") + "]" }
        #expect(parseError(list(1_000)) == nil)
        #expect(parseError(list(1_001))?.code == .listTooLong)
        let tight = ExpressionLimits(nodesMax: 3)
        #expect(parseError("1 + 2", limits: tight) == nil)
        #expect(parseError("1 + 2 + 3", limits: tight)?.code == .tooManyNodes)
    }

    /// `depthMax` is capped so that no setting can let the recursion outgrow a thread's stack.
    @Test func depthMaxIsCapped() {
        #expect(ExpressionLimits(depthMax: 1_000_000).depthMax == ExpressionLimits.depthCeiling)
        let loose = ExpressionLimits(textBytesMax: 1_000_000, depthMax: 1_000_000, nodesMax: 1_000_000)
        let deep = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        #expect(parseError(deep, limits: loose)?.code == .tooDeep)
    }

    /// Nested any() is refused by default and allowed when the limit says so.
    @Test func nestedAnyFollowsItsLimit() throws {
        let text = "any(X, properties[\"tags\"], any(Y, [\"b\"], X == Y))"
        #expect(parseError(text)?.code == .tooDeep)
        let expression = try ExpressionParser.parse(text, limits: ExpressionLimits(anyNestingMax: 2))
        #expect(ExpressionEvaluator.evaluate(expression, row: Sample.row) == .boolean(true))
    }
}
