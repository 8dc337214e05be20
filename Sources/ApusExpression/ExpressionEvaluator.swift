// The reference evaluator: walks the tree for one row and returns the value, exactly as spec
// §3.3 says. It is the oracle the vectorised engine is tested against, so it favours being
// obviously right over being fast. Its recursion is as deep as the tree, which the parser
// bounds (`ExpressionLimits.depthMax`).

/// Evaluates expressions one row at a time.
package enum ExpressionEvaluator {
    /// The value of `expression` for `row`.
    package static func evaluate(_ expression: Expression, row: some ExpressionRow) -> ExpressionValue {
        var scope: [(name: String, value: ExpressionValue)] = []
        return value(expression, row, &scope)
    }

    /// Whether a `where` keeps `row`: the expression's value is boolean true.
    package static func matches(_ expression: Expression, row: some ExpressionRow) -> Bool {
        evaluate(expression, row: row) == .boolean(true)
    }

    private static func value(
        _ e: Expression, _ row: some ExpressionRow, _ scope: inout [(name: String, value: ExpressionValue)]
    ) -> ExpressionValue {
        switch e.kind {
        case .string(let s): return .string(s)
        case .number(let n): return .number(n)
        case .boolean(let b): return .boolean(b)
        case .null: return .null
        case .datetime(let ms): return .datetime(ms)
        case .list(let items): return .list(items.map { value($0, row, &scope) })
        case .property(let key): return row.property(key)
        case .userProperty(let key): return row.userProperty(key)
        case .eventField(let field): return row.eventField(field)
        case .variable(let name):
            return scope.last { $0.name.utf8.elementsEqual(name.utf8) }?.value ?? .undefined
        case .negate(let operand): return ExpressionSemantics.negate(value(operand, row, &scope))
        case .not(let operand): return ExpressionSemantics.not(value(operand, row, &scope))
        case .binary(let op, let left, let right):
            let a = value(left, row, &scope)
            let b = value(right, row, &scope)
            switch op {
            case .add, .subtract, .multiply, .divide, .remainder: return ExpressionSemantics.arithmetic(op, a, b)
            case .equal: return .boolean(ExpressionSemantics.equals(a, b))
            case .notEqual: return .boolean(!ExpressionSemantics.equals(a, b))
            case .less, .lessOrEqual, .greater, .greaterOrEqual: return ExpressionSemantics.compare(op, a, b)
            case .in: return ExpressionSemantics.contains(a, in: b)
            }
        case .and(let items): return ExpressionSemantics.and(items.map { value($0, row, &scope) })
        case .or(let items): return ExpressionSemantics.or(items.map { value($0, row, &scope) })
        case .call(let function, let arguments):
            return ExpressionSemantics.call(function, arguments.map { value($0, row, &scope) })
        case .any(let variable, let list, let predicate):
            // A list property holds the elements; anything else (a scalar, undefined) has none.
            guard case .list(let elements) = value(list, row, &scope) else { return .boolean(false) }
            for element in elements {
                scope.append((variable, element))
                let result = value(predicate, row, &scope)
                scope.removeLast()
                if result == .boolean(true) { return .boolean(true) }
            }
            return .boolean(false)
        }
    }
}
