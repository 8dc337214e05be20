// Target `expression`: the segmentation-expression parser, printer and reference evaluator on
// the input read as text (invalid UTF-8 replaced). Invariants:
// - a refused input's error points inside the text and its message ends with that position;
// - whatever parses prints to text that parses back to the same tree, and printing that tree
//   gives the same text again (the canonical form is a fixed point);
// - evaluation finishes on a fixed row and on an empty one, `matches` agrees with it, and the
//   constant-folded tree is no larger and evaluates to the same value;
// - a tighter depth limit only accepts trees within it, and then the same tree;
// - the references found are consistent (a first `user[...]` offset exactly when one is read).

import ApusExpression
import ApusModel

enum ExpressionFuzzer {
    /// A depth limit compared against the default one.
    static let shallow = ExpressionLimits(depthMax: 6)
    /// Loose enough for printed text, which can be longer than what was parsed.
    static let roomy = ExpressionLimits(textBytesMax: 1 << 24, anyNestingMax: ExpressionLimits.standard.anyNestingMax)

    static let row = JSONExpressionRow(
        properties: [
            JSONMember("s", .string("Hello World")), JSONMember("n", .number(42)), JSONMember("f", .number(-2.5)),
            JSONMember("t", .bool(true)), JSONMember("nil", .null), JSONMember("", .string("empty key")),
            JSONMember("tags", .array([.string("a"), .number(1), .bool(false), .null, .array([])])),
            JSONMember("date", .string("2025-03-01T12:00:00")), JSONMember("x", .string("[1,\"x\"]")),
            JSONMember("obj", .object([JSONMember("k", .string("v"))])),
        ],
        userProperties: [JSONMember("plan", .string("pro")), JSONMember("x", .number(0))],
        eventName: "Signup", timeMs: 1_735_689_600_000, distinctID: "u-1")
    static let emptyRow = JSONExpressionRow(properties: [])

    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let expression: Expression
        do {
            expression = try ExpressionParser.parse(text)
        } catch {
            let count = text.unicodeScalars.count
            require((0 ... count).contains(error.offset), "error offset \(error.offset) outside the \(count) characters of \(text.debugDescription)")
            require(error.message.hasSuffix("at position \(error.offset)"), "message \(error.message.debugDescription) for \(text.debugDescription)")
            return
        }
        checkPrinting(expression, text: text)
        checkEvaluation(expression)
        checkShallowLimit(text, expression)
        checkReferences(expression)
    }

    static func checkPrinting(_ expression: Expression, text: String) {
        let printed = expression.description
        let reparsed: Expression
        do {
            reparsed = try ExpressionParser.parse(printed, limits: roomy)
        } catch {
            fatalError("invariant violated: \(text.debugDescription) prints as \(printed.debugDescription), which is refused: \(error)")
        }
        require(reparsed == expression, "\(text.debugDescription) prints as \(printed.debugDescription), which parses to another tree")
        require(reparsed.description == printed, "printing \(printed.debugDescription) is not a fixed point")
    }

    static func checkEvaluation(_ expression: Expression) {
        let folded = expression.folded()
        require(folded.depth <= expression.depth && folded.nodeCount <= expression.nodeCount, "folding grew \(expression)")
        for row in [row, emptyRow] {
            let value = ExpressionEvaluator.evaluate(expression, row: row)
            require(ExpressionEvaluator.matches(expression, row: row) == (value == .boolean(true)), "matches disagrees with \(value) for \(expression)")
            let foldedValue = ExpressionEvaluator.evaluate(folded, row: row)
            require(foldedValue == value, "\(expression) = \(value) but folded \(folded) = \(foldedValue)")
            if case .number(let n) = value { require(n.isFinite, "\(expression) = \(n)") }
        }
    }

    static func checkShallowLimit(_ text: String, _ expression: Expression) {
        guard let shallowTree = try? ExpressionParser.parse(text, limits: shallow) else { return }
        require(shallowTree.depth <= shallow.depthMax, "a depth limit of \(shallow.depthMax) accepted a tree \(shallowTree.depth) deep")
        require(shallowTree == expression, "a depth limit changed the tree of \(text.debugDescription)")
    }

    static func checkReferences(_ expression: Expression) {
        let references = expression.references
        require(references.containsUserProperties == (references.firstUserPropertyOffset != nil), "user reference flags disagree")
        if let offset = references.firstUserPropertyOffset {
            require(expression.range.contains(offset), "first user[...] at \(offset) outside \(expression.range)")
        }
        require(references.propertyKeys.count + references.userPropertyKeys.count + references.eventFields.count <= expression.nodeCount,
                "more references than nodes in \(expression)")
    }
}
