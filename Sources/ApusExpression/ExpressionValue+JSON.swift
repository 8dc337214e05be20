// Properties are stored as JSON; this is how each JSON value enters the language, and how a
// value leaves it again where text is needed (`string(list)`).

import ApusModel

extension ExpressionValue {
    /// The value of a stored property. Arrays become lists (element by element); objects, which
    /// the language has no type for, become their compact JSON text (so `defined` is true and
    /// `"key" in properties["obj"]` searches the text); a non-finite number becomes `undefined`.
    package init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .boolean(b)
        case .number(let n): self = n.isFinite ? .number(n) : .undefined
        case .string(let s): self = .string(s)
        case .array(let elements): self = .list(elements.map(ExpressionValue.init(json:)))
        case .object: self = .string(JSONWriter.string(json))
        }
    }

    /// The value as JSON: datetimes as their ISO text, `undefined` as null.
    package var json: JSONValue {
        switch self {
        case .undefined, .null: .null
        case .boolean(let b): .bool(b)
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .datetime(let ms): DatetimeText.format(ms).map(JSONValue.string) ?? .number(Double(ms))
        case .list(let items): .array(items.map(\.json))
        }
    }
}
