// JSON type names for messages that tell a client what it sent instead of what was expected.

import ApusModel

extension JSONValue {
    /// The JSON type's name: "object", "array", "string", "number", "boolean", "null".
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
