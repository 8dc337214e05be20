// The functions of the language on values: `defined`, rounding, the casts and case mapping
// (spec §3.3 for the documented ones; the rest decided here and documented per function).

import ApusModel

extension ExpressionSemantics {
    /// Applies a function to its evaluated arguments (arity already checked by the parser; a
    /// wrong count from a hand-built tree gives undefined).
    package static func call(_ function: ExpressionFunction, _ arguments: [ExpressionValue]) -> ExpressionValue {
        guard function.arity.contains(arguments.count) else { return .undefined }
        let a = arguments[0]
        switch function {
        case .defined: return .boolean(a.isDefined)
        case .floor: return rounded(a, .down)
        case .ceil: return rounded(a, .up)
        case .round: return rounded(a, .toNearestOrAwayFromZero)
        case .boolean: return toBoolean(a)
        case .number: return toNumber(a)
        case .string:
            let text = toString(a)
            if arguments.count == 2, !text.isDefined { return arguments[1] }
            return text
        case .datetime: return toDatetime(a)
        case .list: return toList(a)
        case .lower: return mapString(a) { $0.lowercased() }
        case .upper: return mapString(a) { $0.uppercased() }
        }
    }

    /// `floor`, `ceil`, `round` (halves away from zero: `round(-2.5)` is -3): numbers only.
    static func rounded(_ a: ExpressionValue, _ rule: FloatingPointRoundingRule) -> ExpressionValue {
        if case .number(let x) = a { return .number(x.rounded(rule)) }
        return .undefined
    }

    /// `lower`, `upper`: strings only (full Unicode case mapping).
    static func mapString(_ a: ExpressionValue, _ transform: (String) -> String) -> ExpressionValue {
        if case .string(let s) = a { return .string(transform(s)) }
        return .undefined
    }

    /// `boolean(x)`: `"false"`, `""`, 0, null and undefined are false; every other value is
    /// true (other strings, other numbers, datetimes, lists even when empty).
    package static func toBoolean(_ a: ExpressionValue) -> ExpressionValue {
        switch a {
        case .boolean: a
        case .string(let s): .boolean(!(s.isEmpty || s.utf8.elementsEqual("false".utf8)))
        case .number(let x): .boolean(x != 0)
        case .null, .undefined: .boolean(false)
        case .datetime, .list: .boolean(true)
        }
    }

    /// `number(x)`: a string holding a decimal number (JSON's grammar, spaces around allowed)
    /// reads as it; true/false are 1/0; a datetime is its seconds since 1970; anything else,
    /// null included, is undefined.
    package static func toNumber(_ a: ExpressionValue) -> ExpressionValue {
        switch a {
        case .number: return a
        case .boolean(let b): return .number(b ? 1 : 0)
        case .string(let s):
            let trimmed = s.utf8.drop { $0.isJSONWhitespace }.reversed().drop { $0.isJSONWhitespace }.reversed()
            return DecimalText.number(String(decoding: Array(trimmed), as: UTF8.self)).map(ExpressionValue.number) ?? .undefined
        case .datetime(let ms): return .number(Double(ms) / 1000)
        case .null, .undefined, .list: return .undefined
        }
    }

    /// `string(x)`: numbers as export writes them (`5`, `0.25`), booleans as `true`/`false`,
    /// datetimes as `YYYY-MM-DDTHH:MM:SS`, lists as their JSON text; null stays null and
    /// undefined stays undefined.
    package static func toString(_ a: ExpressionValue) -> ExpressionValue {
        switch a {
        case .string, .null, .undefined: a
        case .number(let x): .string(ExpressionText.number(x))
        case .boolean(let b): .string(b ? "true" : "false")
        case .datetime(let ms): DatetimeText.format(ms).map(ExpressionValue.string) ?? .undefined
        case .list: .string(JSONWriter.string(a.json))
        }
    }

    /// `datetime(x)`: a number is seconds since 1970 (UTC); a string is read by
    /// `DatetimeText.parse`; anything that is no instant in years 1–9999 is undefined.
    package static func toDatetime(_ a: ExpressionValue) -> ExpressionValue {
        switch a {
        case .datetime: a
        case .number(let seconds): DatetimeText.milliseconds(fromSeconds: seconds).map(ExpressionValue.datetime) ?? .undefined
        case .string(let s): DatetimeText.parse(s).map(ExpressionValue.datetime) ?? .undefined
        default: .undefined
        }
    }

    /// `list(x)`: a list stays; a string holding a JSON array (as clients that stringify
    /// arrays send) becomes that list; anything else is undefined.
    package static func toList(_ a: ExpressionValue) -> ExpressionValue {
        switch a {
        case .list: return a
        case .string(let s):
            guard s.utf8.first(where: { !$0.isJSONWhitespace }) == .openBracket,
                  let json = try? JSONParser.parse(s), case .array = json else { return .undefined }
            return ExpressionValue(json: json)
        default: return .undefined
        }
    }
}
