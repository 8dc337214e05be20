// The parsed form of an expression: an immutable tree that the reference evaluator walks and
// the query engine compiles into column kernels. Every node keeps the characters it came from,
// so later checks (a type error, `user[...]` refused) can point at them.

/// A node of a parsed expression and, through `kind`, its subtree.
///
/// Equality compares trees and ignores `range`: `(a)` and `a` are the same expression.
package struct Expression: Sendable {
    /// What the node is.
    package let kind: Kind
    /// Where it came from: 0-based offsets, in Unicode scalars, into the parsed text (empty for
    /// nodes built by hand or by constant folding).
    package let range: Range<Int>
    /// Levels from this node to its deepest leaf; a leaf is 1.
    package let depth: Int
    /// Nodes in this subtree, itself included.
    package let nodeCount: Int

    /// Creates a node; depth and node count come from the children.
    package init(_ kind: Kind, range: Range<Int> = 0 ..< 0) {
        self.kind = kind
        self.range = range
        var depth = 0
        var count = 1
        kind.forEachChild { child in
            depth = max(depth, child.depth)
            count += child.nodeCount
        }
        self.depth = depth + 1
        self.nodeCount = count
    }

    /// The shapes a node takes.
    package indirect enum Kind: Sendable {
        /// A string literal.
        case string(String)
        /// A number literal (never negative from the parser: `-5` is `negate(5)`).
        case number(Double)
        /// `true` or `false`.
        case boolean(Bool)
        /// `null`.
        case null
        /// A constant instant in ms since the epoch: what `datetime("…")` and `datetime(n)` of a
        /// literal become (validated while parsing). Printed as `datetime("YYYY-MM-DDTHH:MM:SS")`.
        case datetime(Int64)
        /// A list literal, `[a, b, …]`.
        case list([Expression])
        /// `properties["key"]`: an event property (a profile property in profile queries).
        case property(String)
        /// `user["key"]`: a property of the event's user profile.
        case userProperty(String)
        /// `event["$time"]` and the other fields an event has outside its properties.
        case eventField(EventField)
        /// The element variable of an enclosing `any(X, …)`.
        case variable(String)
        /// Unary `-`.
        case negate(Expression)
        /// `not`.
        case not(Expression)
        /// Arithmetic, comparison and `in`.
        case binary(BinaryOperator, Expression, Expression)
        /// `a and b and …`, two or more operands, kept flat (a chain is one node).
        case and([Expression])
        /// `a or b or …`, two or more operands, kept flat.
        case or([Expression])
        /// A function of a fixed arity (see `ExpressionFunction.arity`).
        case call(ExpressionFunction, [Expression])
        /// `any(X, list, predicate)`: true when `predicate` is true for some element `X` of `list`.
        case any(variable: String, list: Expression, predicate: Expression)

        /// Calls `body` on each direct child, left to right.
        package func forEachChild(_ body: (Expression) -> Void) {
            switch self {
            case .string, .number, .boolean, .null, .datetime, .property, .userProperty, .eventField, .variable:
                break
            case .list(let items), .and(let items), .or(let items), .call(_, let items):
                items.forEach(body)
            case .negate(let e), .not(let e):
                body(e)
            case .binary(_, let l, let r):
                body(l)
                body(r)
            case .any(_, let list, let predicate):
                body(list)
                body(predicate)
            }
        }
    }
}

/// The fields of an event that live outside its properties, as `event["…"]` names them.
package enum EventField: String, Sendable, CaseIterable {
    /// `event["$time"]`: the event's time, a datetime.
    case time = "$time"
    /// `event["$event_name"]`: the event's name, a string.
    case name = "$event_name"
    /// `event["$distinct_id"]`: the event's distinct id, a string.
    case distinctID = "$distinct_id"
}

/// The binary operators other than `and` and `or`.
package enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    /// `a in b`: substring of a string, or member of a list.
    case `in` = "in"

    /// How tightly the operator binds (higher binds tighter); see `ExpressionPrecedence`.
    package var precedence: ExpressionPrecedence {
        switch self {
        case .multiply, .divide, .remainder: .multiplicative
        case .add, .subtract: .additive
        case .in: .in
        case .less, .lessOrEqual, .greater, .greaterOrEqual: .comparison
        case .equal, .notEqual: .equality
        }
    }
}

/// Binding strength, loosest first (spec §3.4). All binary operators are left-associative.
package enum ExpressionPrecedence: Int, Sendable, Comparable {
    case or = 1, and, not, equality, comparison, `in`, additive, multiplicative, prefixMinus, primary

    package static func < (a: ExpressionPrecedence, b: ExpressionPrecedence) -> Bool { a.rawValue < b.rawValue }
}

extension Expression: Equatable {
    package static func == (a: Expression, b: Expression) -> Bool { a.kind == b.kind }
}

extension Expression.Kind: Equatable {
    /// Structural equality; strings and names compare by their UTF-8 bytes (two spellings of
    /// "é" are different property names).
    package static func == (a: Expression.Kind, b: Expression.Kind) -> Bool {
        func same(_ x: String, _ y: String) -> Bool { x.utf8.elementsEqual(y.utf8) }
        switch (a, b) {
        case (.string(let x), .string(let y)): return same(x, y)
        case (.number(let x), .number(let y)): return x == y
        case (.boolean(let x), .boolean(let y)): return x == y
        case (.null, .null): return true
        case (.datetime(let x), .datetime(let y)): return x == y
        case (.list(let x), .list(let y)), (.and(let x), .and(let y)), (.or(let x), .or(let y)): return x == y
        case (.property(let x), .property(let y)), (.userProperty(let x), .userProperty(let y)),
             (.variable(let x), .variable(let y)): return same(x, y)
        case (.eventField(let x), .eventField(let y)): return x == y
        case (.negate(let x), .negate(let y)), (.not(let x), .not(let y)): return x == y
        case (.binary(let op1, let l1, let r1), .binary(let op2, let l2, let r2)): return op1 == op2 && l1 == l2 && r1 == r2
        case (.call(let f1, let a1), .call(let f2, let a2)): return f1 == f2 && a1 == a2
        case (.any(let v1, let l1, let p1), .any(let v2, let l2, let p2)): return same(v1, v2) && l1 == l2 && p1 == p2
        default: return false
        }
    }
}
