// `where` over a whole block at once, for the constructs that reduce to loops over typed
// columns: `and`, `or`, `not`, `defined(properties[…])`, and a property compared with a literal
// (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in [literals]`). A string equality is one comparison
// per dictionary entry, then a pass over ids; a number comparison is a pass over the values;
// the logic is bitmap operations. Anything else (other functions, arithmetic, `time`,
// `distinct_id`, `$insert_id`, a key holding objects) answers nil and the caller evaluates the
// whole filter row by row with the reference evaluator: the results are the same either way,
// the oracle tests hold both to it.

import ApusExpression
import ApusModel
import ApusStoreCore

enum VectorFilter {
    /// Rows of `block` where `e` is boolean true, or nil when `e` is not one of the constructs above.
    static func rows(_ e: Expression, _ block: EventBlock, _ columns: [[UInt8]: Int], users: UserProfiles? = nil) -> Bitmap? {
        let n = block.count
        // A part that reads only the user's profile: once per profile, then a lookup per row.
        if let users, UserProfiles.readsOnlyUsers(e) { return users.rows(matching: e, in: block) }
        switch e.kind {
        case .boolean(let b):
            return Bitmap(count: n, allSet: b)
        case .and(let items):
            var out = Bitmap(count: n, allSet: true)
            for item in items {
                guard let bits = rows(item, block, columns, users: users) else { return nil }
                out = out.intersection(bits)
            }
            return out
        case .or(let items):
            // An operand that is neither boolean nor undefined would make `or` undefined; only
            // operands that are always one of those are taken here.
            guard items.allSatisfy(isBooleanOrUndefined) else { return nil }
            var out = Bitmap(count: n)
            for item in items {
                guard let bits = rows(item, block, columns, users: users) else { return nil }
                out = out.union(bits)
            }
            return out
        case .not(let inner):
            // not(true) is false; not(false) and not(undefined) are true.
            guard isBooleanOrUndefined(inner), let bits = rows(inner, block, columns, users: users) else { return nil }
            return bits.complement()
        case .call(.defined, let args):
            guard args.count == 1, case .property(let key) = args[0].kind, let p = column(key, block, columns) else { return nil }
            return p.present(rowCount: n)
        case .binary(let op, let left, let right):
            if case .property(let key) = left.kind, let literal = literalValue(right) {
                return compare(key, op, literal, block, columns)
            }
            if case .property(let key) = right.kind, let literal = literalValue(left), let flipped = flip(op) {
                return compare(key, flipped, literal, block, columns)
            }
            return nil
        default:
            return nil
        }
    }

    /// Nodes whose value is always a boolean or undefined.
    static func isBooleanOrUndefined(_ e: Expression) -> Bool {
        switch e.kind {
        case .boolean, .and, .or, .not, .call(.defined, _): return true
        case .binary(let op, _, _): return op != .add && op != .subtract && op != .multiply && op != .divide && op != .remainder
        default: return false
        }
    }

    /// The column of `key`; an empty one when the block lacks it; nil for the keys export lifts
    /// out of the properties (read row by row).
    static func column(_ key: String, _ block: EventBlock, _ columns: [[UInt8]: Int]) -> PropertyBlock? {
        guard key != "time", key != "distinct_id", key != "$insert_id" else { return nil }
        guard let i = columns[Array(key.utf8)] else { return PropertyBlock() }
        return block.properties[i]
    }

    /// A literal operand: a string, number, boolean, null, or a list of those (for `in`).
    static func literalValue(_ e: Expression) -> ExpressionValue? {
        switch e.kind {
        case .string(let s): return .string(s)
        case .number(let x): return .number(x)
        case .boolean(let b): return .boolean(b)
        case .null: return .null
        case .negate(let inner):
            if case .number(let x) = inner.kind { return .number(-x) }
            return nil
        case .list(let items):
            var values: [ExpressionValue] = []
            for item in items {
                guard let v = literalValue(item) else { return nil }
                if case .list = v { return nil }
                values.append(v)
            }
            return .list(values)
        default: return nil
        }
    }

    /// `literal op property` as `property op' literal`.
    static func flip(_ op: BinaryOperator) -> BinaryOperator? {
        switch op {
        case .equal, .notEqual: return op
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return nil
        }
    }

    /// Rows where `properties[key] op literal` is true.
    static func compare(_ key: String, _ op: BinaryOperator, _ literal: ExpressionValue, _ block: EventBlock,
                        _ columns: [[UInt8]: Int]) -> Bitmap? {
        guard let p = column(key, block, columns) else { return nil }
        let n = block.count
        switch op {
        case .equal:
            return equal(p, literal, n)
        case .notEqual:
            return equal(p, literal, n)?.complement()
        case .in:
            guard case .list(let items) = literal else { return nil }
            var out = Bitmap(count: n)
            for item in items {
                guard let bits = equal(p, item, n) else { return nil }
                out = out.union(bits)
            }
            return out
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            // Ordering is defined for numbers with numbers (and datetimes, which no stored
            // value is): any other pair is undefined, so no row is true.
            guard case .number(let x) = literal else {
                // Against a string, boolean or null literal no stored value is ordered.
                if case .list = literal { return nil }
                return Bitmap(count: n)
            }
            guard let v = p.numbers else { return Bitmap(count: n) }
            return v.values.withUnsafeBufferPointer { values in
                switch op {
                case .less: return select(v.present) { values[$0] < x }
                case .lessOrEqual: return select(v.present) { values[$0] <= x }
                case .greater: return select(v.present) { values[$0] > x }
                default: return select(v.present) { values[$0] >= x }
                }
            }
        default:
            return nil
        }
    }

    /// Rows where `property == literal` (never undefined: `==` is always a boolean).
    static func equal(_ p: PropertyBlock, _ literal: ExpressionValue, _ n: Int) -> Bitmap? {
        // Objects read as their JSON text, which a string literal could equal: row by row.
        if p.objects != nil, case .string = literal { return nil }
        switch literal {
        case .string(let s):
            guard let strings = p.strings else { return Bitmap(count: n) }
            let match = strings.dictionary.map { $0.utf8.elementsEqual(s.utf8) }
            guard match.contains(true) else { return Bitmap(count: n) }
            if match.lazy.filter({ $0 }).count == 1, let entry = match.firstIndex(of: true) {
                // One entry equals the literal (a dictionary holds each text once, unless two
                // spellings of it differ in bytes only): a compare per row, no lookup.
                return selectEqual(strings.present, strings.ids, UInt32(entry))
            }
            return strings.ids.withUnsafeBufferPointer { ids in
                match.withUnsafeBufferPointer { match in select(strings.present) { match[Int(ids[$0])] } }
            }
        case .number(let x):
            guard let v = p.numbers else { return Bitmap(count: n) }
            return v.values.withUnsafeBufferPointer { values in select(v.present) { values[$0] == x } }
        case .boolean(let b):
            guard let v = p.booleans else { return Bitmap(count: n) }
            return b ? v.present.intersection(v.values) : v.present.intersection(v.values.complement())
        case .null:
            return p.nulls ?? Bitmap(count: n)
        default:
            return nil
        }
    }

    /// The rows of `present` whose id is `id`: eight ids compared at once, their matches
    /// weighted into bits and summed, so a word of 64 rows takes eight vector compares.
    static func selectEqual(_ present: Bitmap, _ ids: [UInt32], _ id: UInt32) -> Bitmap {
        var words = present.words
        let n = present.count
        let weights = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        let wanted = SIMD8<UInt32>(repeating: id)
        ids.withUnsafeBytes { raw in
            words.withUnsafeMutableBufferPointer { out in
                for w in out.indices where out[w] != 0 {
                    let base = w &<< 6
                    var word: UInt64 = 0
                    if base &+ 64 <= n {
                        for g in 0..<8 {
                            let v = raw.loadUnaligned(fromByteOffset: (base &+ g &* 8) &* 4, as: SIMD8<UInt32>.self)
                            let bits = UInt64(SIMD8<UInt32>(repeating: 0).replacing(with: weights, where: v .== wanted).wrappedSum())
                            word |= bits &<< UInt64(g &* 8)
                        }
                    } else {
                        for b in 0..<(n &- base) {
                            word |= UInt64(ids[base &+ b] == id ? 1 : 0) &<< UInt64(b)
                        }
                    }
                    out[w] &= word
                }
            }
        }
        return Bitmap(words: words, count: n)
    }

    /// The rows of `present` where `test` holds, a word at a time: each bit or-ed in without
    /// a branch, words with no row present skipped. `test` may be called for absent rows
    /// (their slots hold zeros) and must not fail there.
    @inline(__always)
    static func select(_ present: Bitmap, _ test: (Int) -> Bool) -> Bitmap {
        var words = present.words
        let n = present.count
        words.withUnsafeMutableBufferPointer { out in
            for w in out.indices where out[w] != 0 {
                let base = w &<< 6
                var word: UInt64 = 0
                for b in 0..<Swift.min(64, n &- base) { word |= UInt64(test(base &+ b) ? 1 : 0) &<< UInt64(b) }
                out[w] &= word
            }
        }
        return Bitmap(words: words, count: n)
    }
}
