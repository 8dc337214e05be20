// The values an expression computes with. Mixpanel's types (string, number, boolean, list,
// date) plus its two kinds of nothing: `null` (a property sent as JSON null) and `undefined`
// (a property that is missing, or an operation with no meaningful result). Keeping them apart
// lets `defined(...)`, `not` and the casts follow Mixpanel's rules exactly.

/// A value produced by evaluating an expression.
///
/// `==` on this type is identity (used by tests and folding): `undefined == undefined` is true
/// here, and strings compare by their UTF-8 bytes. The language's own `==` is
/// `ExpressionSemantics.equals`, which differs.
package enum ExpressionValue: Sendable {
    /// No value: a missing property, or an operation whose operands do not fit it.
    case undefined
    /// JSON null.
    case null
    case boolean(Bool)
    /// Always finite: operations whose result would not be give `undefined`.
    case number(Double)
    case string(String)
    /// Milliseconds since 1970-01-01T00:00:00Z.
    case datetime(Int64)
    case list([ExpressionValue])

    /// The type's name as messages and `description` use it.
    package var typeName: String {
        switch self {
        case .undefined: "undefined"
        case .null: "null"
        case .boolean: "boolean"
        case .number: "number"
        case .string: "string"
        case .datetime: "datetime"
        case .list: "list"
        }
    }

    /// True unless `undefined`.
    package var isDefined: Bool {
        if case .undefined = self { return false }
        return true
    }
}

extension ExpressionValue: Equatable {
    package static func == (a: ExpressionValue, b: ExpressionValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.null, .null): true
        case (.boolean(let x), .boolean(let y)): x == y
        case (.number(let x), .number(let y)): x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): x.utf8.elementsEqual(y.utf8)
        case (.datetime(let x), .datetime(let y)): x == y
        case (.list(let x), .list(let y)): x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
        default: false
        }
    }
}

extension ExpressionValue: CustomStringConvertible {
    /// The value written the way the language would spell it (`"a"`, `5`, `[1, true]`,
    /// `datetime("2025-01-01T00:00:00")`); `undefined` as the bare word.
    package var description: String {
        switch self {
        case .undefined: return "undefined"
        case .null: return "null"
        case .boolean(let b): return b ? "true" : "false"
        case .number(let n): return ExpressionText.number(n)
        case .string(let s): return ExpressionText.quoted(s)
        case .datetime(let ms): return "datetime(\(ExpressionText.quoted(DatetimeText.format(ms) ?? String(ms))))"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
