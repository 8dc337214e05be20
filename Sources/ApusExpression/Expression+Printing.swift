// The canonical text of a tree: keywords in lower case, strings in double quotes, numbers as
// export writes them, and only the parentheses precedence needs. Parsing the printed text gives
// the same tree back (the fuzz target and tests check it), so the printed form can be logged,
// cached as a key, or shown back to a client in an error.

extension Expression: CustomStringConvertible {
    /// The canonical text (see the file comment).
    package var description: String {
        var out = ""
        print(into: &out, context: .or)
        return out
    }

    /// How tightly this node binds as an operand.
    var precedence: ExpressionPrecedence {
        switch kind {
        case .or: .or
        case .and: .and
        case .not: .not
        case .binary(let op, _, _): op.precedence
        case .negate: .prefixMinus
        // A negative literal (made by folding) prints as `-5`, which reads as a prefix minus.
        case .number(let n) where n < 0 || (n == 0 && n.sign == .minus): .prefixMinus
        default: .primary
        }
    }

    /// Appends this node, in parentheses when it binds looser than `context` requires.
    private func print(into out: inout String, context: ExpressionPrecedence) {
        let parenthesised = precedence < context
        if parenthesised { out += "(" }
        switch kind {
        case .string(let s): out += ExpressionText.quoted(s)
        case .number(let n): out += ExpressionText.number(n)
        case .boolean(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .datetime(let ms): out += "datetime(\(ExpressionText.quoted(DatetimeText.format(ms) ?? "")))"
        case .list(let items):
            out += "["
            printList(items, into: &out)
            out += "]"
        case .property(let key): out += "properties[\(ExpressionText.quoted(key))]"
        case .userProperty(let key): out += "user[\(ExpressionText.quoted(key))]"
        case .eventField(let field): out += "event[\(ExpressionText.quoted(field.rawValue))]"
        case .variable(let name): out += name
        case .negate(let operand):
            out += "-"
            operand.print(into: &out, context: .prefixMinus)
        case .not(let operand):
            out += "not "
            operand.print(into: &out, context: .not)
        case .binary(let op, let left, let right):
            left.print(into: &out, context: op.precedence)
            out += " \(op.rawValue) "
            right.print(into: &out, context: ExpressionPrecedence(rawValue: op.precedence.rawValue + 1) ?? .primary)
        case .and(let items), .or(let items):
            let isAnd = if case .and = kind { true } else { false }
            for (i, item) in items.enumerated() {
                if i > 0 { out += isAnd ? " and " : " or " }
                item.print(into: &out, context: isAnd ? .not : .and)
            }
        case .call(let function, let arguments):
            out += function.rawValue + "("
            printList(arguments, into: &out)
            out += ")"
        case .any(let variable, let list, let predicate):
            out += "any(\(variable), "
            list.print(into: &out, context: .or)
            out += ", "
            predicate.print(into: &out, context: .or)
            out += ")"
        }
        if parenthesised { out += ")" }
    }

    private func printList(_ items: [Expression], into out: inout String) {
        for (i, item) in items.enumerated() {
            if i > 0 { out += ", " }
            item.print(into: &out, context: .or)
        }
    }
}
