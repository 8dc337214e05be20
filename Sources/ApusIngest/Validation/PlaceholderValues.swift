// Values that clients send when they have no real id (spec §1.3.4). Strict /import refuses them
// as `distinct_id` and `$insert_id`, compared case-insensitively.

/// Placeholder ids refused by strict /import.
enum PlaceholderValues {
    static let all: Set<String> = [
        "00000000-0000-0000-0000-000000000000", "anon", "anonymous", "nil", "none", "null", "n/a",
        "na", "undefined", "unknown", "<nil>", "0", "-1", "true", "false", "[]", "{}",
    ]

    /// True when `value` is a placeholder, in any letter case.
    static func contains(_ value: String) -> Bool {
        guard value.utf8.count <= 36 else { return false }
        return all.contains(value.lowercased())
    }
}
