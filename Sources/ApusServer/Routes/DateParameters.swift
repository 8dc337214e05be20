// `from_date` and `to_date` as every read route takes them: both required, `YYYY-MM-DD` (four
// digits, no sign), inclusive, from not after to.

import ApusModel

enum DateParameters {
    static func range(_ q: QueryString) throws(QueryError) -> (from: CivilDate, to: CivilDate) {
        guard let fromText = q["from_date"] else { throw .badRequest("missing_parameter", "from_date is required (YYYY-MM-DD)") }
        guard let toText = q["to_date"] else { throw .badRequest("missing_parameter", "to_date is required (YYYY-MM-DD)") }
        guard let from = CivilDate(parsing: fromText) else {
            throw .badRequest("invalid_date", "from_date '\(fromText)' is not a date of the form YYYY-MM-DD")
        }
        guard let to = CivilDate(parsing: toText) else {
            throw .badRequest("invalid_date", "to_date '\(toText)' is not a date of the form YYYY-MM-DD")
        }
        guard from <= to else { throw .badRequest("invalid_date_range", "from_date \(from) is after to_date \(to)") }
        return (from, to)
    }
}
