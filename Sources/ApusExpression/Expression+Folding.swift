// Constant folding: a subtree that reads nothing from the row (`1 + 2`, `lower("A")`,
// `[1, 2]`) is replaced by its value, so compiled kernels meet constants instead of work done
// again for every row. The folded tree evaluates exactly as the original does.

extension Expression {
    /// This tree with every constant subtree replaced by a literal, where the value has a
    /// literal form (string, number, boolean, null, datetime, list of those); an undefined
    /// result is left as it was written.
    package func folded() -> Expression {
        var children: [Expression] = []
        kind.forEachChild { children.append($0.folded()) }
        let rebuilt = Expression(kind.replacingChildren(children), range: range)
        switch kind {
        case .property, .userProperty, .eventField, .variable, .any, .list:
            return rebuilt
        default:
            break
        }
        guard children.allSatisfy(\.isConstant), !children.isEmpty else { return rebuilt }
        let value = ExpressionEvaluator.evaluate(rebuilt, row: NoRow())
        return Expression.literal(value, range: range) ?? rebuilt
    }

    /// Whether this node is a literal (a list literal counts when its elements are literals).
    var isConstant: Bool {
        switch kind {
        case .string, .number, .boolean, .null, .datetime: true
        case .list(let items): items.allSatisfy(\.isConstant)
        default: false
        }
    }

    /// The literal node for `value`; nil for `undefined` (which has no literal).
    static func literal(_ value: ExpressionValue, range: Range<Int>) -> Expression? {
        switch value {
        case .undefined: return nil
        case .null: return Expression(.null, range: range)
        case .boolean(let b): return Expression(.boolean(b), range: range)
        case .number(let n): return Expression(.number(n), range: range)
        case .string(let s): return Expression(.string(s), range: range)
        case .datetime(let ms): return Expression(.datetime(ms), range: range)
        case .list(let items):
            var elements: [Expression] = []
            for item in items {
                guard let element = literal(item, range: range) else { return nil }
                elements.append(element)
            }
            return Expression(.list(elements), range: range)
        }
    }
}

extension Expression.Kind {
    /// The same node with `children` (in `forEachChild` order) in place of its own.
    func replacingChildren(_ children: [Expression]) -> Expression.Kind {
        switch self {
        case .string, .number, .boolean, .null, .datetime, .property, .userProperty, .eventField, .variable:
            return self
        case .list: return .list(children)
        case .and: return .and(children)
        case .or: return .or(children)
        case .call(let function, _): return .call(function, children)
        case .negate: return .negate(children[0])
        case .not: return .not(children[0])
        case .binary(let op, _, _): return .binary(op, children[0], children[1])
        case .any(let variable, _, _): return .any(variable: variable, list: children[0], predicate: children[1])
        }
    }
}

/// A row with nothing in it, for evaluating constant subtrees.
private struct NoRow: ExpressionRow {
    func property(_ key: String) -> ExpressionValue { .undefined }
    func userProperty(_ key: String) -> ExpressionValue { .undefined }
    func eventField(_ field: EventField) -> ExpressionValue { .undefined }
}
