// How a project merges identities (spec §1.6). Apus keeps the facts for both and resolves
// reports by the project's mode, so the mode can be chosen (or changed) at any time.

/// A project's identity merge mode.
public enum IdentityMode: String, Sendable, CaseIterable {
    /// `$device_id` + `$user_id` on one event (Mixpanel's default for new projects).
    case simplified
    /// `$identify`, `$create_alias` and `$merge`.
    case original
}
