// `where` over profile tables a column at a time: `and`, `or`, `not`, `defined(…)` and a profile
// property compared with a literal run as loops over the key's column (no lookup of the key per
// row), with the language's own comparison rules (`ExpressionSemantics`), so the answer is the
// reference evaluator's. Anything else is evaluated profile by profile.

import ApusExpression
import ApusModel
import ApusStoreCore

enum ProfileFilter {
    /// Those of `candidates` (rows of `table`) whose profile makes `e` true.
    static func rows(_ e: Expression, _ table: ProfileTable, _ candidates: [Int32]) -> [Int32] {
        if let bits = bits(e, table) { return candidates.filter { bits[Int($0)] } }
        return candidates.filter { ExpressionEvaluator.matches(e, row: ProfileExpressionRow(table: table, row: Int($0))) }
    }

    /// Per row of `table`, whether `e` is true; nil when `e` is not one of the constructs above.
    static func bits(_ e: Expression, _ table: ProfileTable) -> [Bool]? {
        let n = table.ids.count
        switch e.kind {
        case .boolean(let b):
            return [Bool](repeating: b, count: n)
        case .and(let items):
            var out = [Bool](repeating: true, count: n)
            for item in items {
                guard let bits = bits(item, table) else { return nil }
                for r in 0..<n { out[r] = out[r] && bits[r] }
            }
            return out
        case .or(let items):
            guard items.allSatisfy(VectorFilter.isBooleanOrUndefined) else { return nil }
            var out = [Bool](repeating: false, count: n)
            for item in items {
                guard let bits = bits(item, table) else { return nil }
                for r in 0..<n { out[r] = out[r] || bits[r] }
            }
            return out
        case .not(let inner):
            guard VectorFilter.isBooleanOrUndefined(inner), let bits = bits(inner, table) else { return nil }
            return bits.map { !$0 }
        case .call(.defined, let args):
            guard args.count == 1, let key = profileKey(args[0]) else { return nil }
            return leaf(key, table) { ExpressionSemantics.call(.defined, [$0]) }
        case .binary(let op, let left, let right):
            guard [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .in].contains(op) else { return nil }
            if let key = profileKey(left), let literal = VectorFilter.literalValue(right) {
                return leaf(key, table) { binary(op, $0, literal) }
            }
            if let key = profileKey(right), let literal = VectorFilter.literalValue(left) {
                return leaf(key, table) { binary(op, literal, $0) }
            }
            return nil
        default:
            return nil
        }
    }

    /// The key of `properties[key]` or `user[key]` (both read the profile here).
    static func profileKey(_ e: Expression) -> String? {
        switch e.kind {
        case .property(let key), .userProperty(let key): key
        default: nil
        }
    }

    /// Per row, whether `test` of the row's value of `key` is boolean true.
    static func leaf(_ key: String, _ table: ProfileTable, _ test: (ExpressionValue) -> ExpressionValue) -> [Bool] {
        let n = table.ids.count
        let missing = test(.undefined) == .boolean(true)
        guard let k = table.column(of: key) else { return [Bool](repeating: missing, count: n) }
        let column = table.columns[k]
        return (0..<n).map { r in
            guard let cell = column[r] else { return missing }
            return test(ExpressionValue(json: cell)) == .boolean(true)
        }
    }

    /// The evaluator's binary comparison of two values.
    static func binary(_ op: BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        switch op {
        case .equal: .boolean(ExpressionSemantics.equals(a, b))
        case .notEqual: .boolean(!ExpressionSemantics.equals(a, b))
        case .in: ExpressionSemantics.contains(a, in: b)
        default: ExpressionSemantics.compare(op, a, b)
        }
    }
}
