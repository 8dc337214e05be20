// Project roles, as Mixpanel names them, ordered by what they may do.

/// A service account's role in a project. Consumer < Analyst < Admin < Owner.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case consumer, analyst, admin, owner

    private var rank: Int {
        switch self {
        case .consumer: 0
        case .analyst: 1
        case .admin: 2
        case .owner: 3
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}
