// The bounds on an expression a client may send. Expressions arrive in query strings from
// anyone holding a project secret, so the parser refuses oversized or deeply nested text with a
// coded error before it can cost much memory, stack or time; the evaluator relies on these
// bounds (its recursion is no deeper than the tree).

/// Limits applied while parsing an expression.
package struct ExpressionLimits: Sendable, Equatable {
    /// The largest value `depthMax` takes; larger settings are lowered to it, so the parser's and
    /// evaluator's recursion always fits the smallest thread stacks.
    package static let depthCeiling = 256

    /// Longest expression text, in UTF-8 bytes.
    package var textBytesMax: Int
    /// Deepest nesting: of the tree (levels from the root to a leaf), and of brackets, calls and
    /// prefix operators in the text. At most `depthCeiling`.
    package var depthMax: Int
    /// Most nodes in the tree (literals, references, operators, calls).
    package var nodesMax: Int
    /// Most elements in one list literal (`[1, 2, 3]`).
    package var listElementsMax: Int
    /// How many `any(...)` may enclose one another (1: no `any` inside another). Each level
    /// multiplies the work per row by a list's length.
    package var anyNestingMax: Int

    /// The limits used for every request.
    package static let standard = ExpressionLimits()

    /// Creates limits; `depthMax` above `depthCeiling` is lowered to it.
    package init(
        textBytesMax: Int = 10_000, depthMax: Int = 64, nodesMax: Int = 2_000,
        listElementsMax: Int = 1_000, anyNestingMax: Int = 1
    ) {
        self.textBytesMax = textBytesMax
        self.depthMax = min(depthMax, ExpressionLimits.depthCeiling)
        self.nodesMax = nodesMax
        self.listElementsMax = listElementsMax
        self.anyNestingMax = anyNestingMax
    }
}
