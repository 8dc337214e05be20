// A JSON value as Apus keeps it between the wire and the store.
// Objects keep their members in arrival order (a list, not a dictionary) so that an event
// exported later reads as it was sent, and so that decoding allocates no hash tables.

/// A parsed JSON value. Numbers are IEEE doubles, as Mixpanel stores them.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The member's key.
    public var key: String
    /// The member's value.
    public var value: JSONValue

    /// Creates a member.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONValue {
    /// The members when this is an object, else nil.
    public var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The string when this is a string, else nil.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number when this is a number, else nil.
    public var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The first member named `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }
}

extension Array where Element == JSONMember {
    /// The first member named `key`.
    public subscript(key key: String) -> JSONValue? {
        for member in self where member.key == key { return member.value }
        return nil
    }
}
