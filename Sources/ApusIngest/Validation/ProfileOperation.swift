// The profile operations and the shape each one's value must have (spec §1.4 table).
// /groups documents every operation but `$append`; `$add` is mentioned only in its batch
// description and accepted here.

import ApusModel

/// A profile operation key and its value rule.
enum ProfileOperation: String, CaseIterable {
    case set = "$set"
    case setOnce = "$set_once"
    case add = "$add"
    case append = "$append"
    case union = "$union"
    case remove = "$remove"
    case unset = "$unset"
    case delete = "$delete"

    /// True when `endpoint` accepts this operation.
    func isSupported(on endpoint: IngestEndpoint) -> Bool {
        switch endpoint {
        case .engage: true
        case .groups: self != .append
        case .track, .importEvents: false
        }
    }

    /// A problem with `value` as this operation's value: the field path and the message; nil if fine.
    func problem(with value: JSONValue, keysMax: Int) -> (field: String, message: String)? {
        let key = rawValue
        switch self {
        case .set, .setOnce, .append, .remove:
            guard case .object(let members) = value else {
                return (key, "'\(key)' must be an object of property names to values, not a \(value.kindName)")
            }
            return keyCountProblem(members.count, keysMax)
        case .add:
            guard case .object(let members) = value else {
                return (key, "'\(key)' must be an object of property names to numbers, not a \(value.kindName)")
            }
            for member in members {
                guard case .number = member.value else {
                    return ("\(key).\(member.key)",
                            "'\(key).\(member.key)' must be a number to add, not a \(member.value.kindName)")
                }
            }
            return keyCountProblem(members.count, keysMax)
        case .union:
            guard case .object(let members) = value else {
                return (key, "'\(key)' must be an object of property names to lists, not a \(value.kindName)")
            }
            for member in members {
                guard case .array = member.value else {
                    return ("\(key).\(member.key)",
                            "'\(key).\(member.key)' must be a list of values to merge, not a \(member.value.kindName)")
                }
            }
            return keyCountProblem(members.count, keysMax)
        case .unset:
            guard case .array(let names) = value else {
                return (key, "'\(key)' must be a list of property names, not a \(value.kindName)")
            }
            for name in names {
                guard case .string = name else {
                    return (key, "'\(key)' must hold only property names (strings), found a \(name.kindName)")
                }
            }
            return keyCountProblem(names.count, keysMax)
        case .delete:
            return nil
        }
    }

    private func keyCountProblem(_ count: Int, _ keysMax: Int) -> (field: String, message: String)? {
        guard count > keysMax else { return nil }
        return (rawValue, "'\(rawValue)' names \(count) properties; one update may name at most \(keysMax)")
    }
}
