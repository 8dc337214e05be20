// A validated user or group profile update (spec §1.4, §1.5), ready for the profile store.

import ApusModel

/// One validated profile operation.
package struct ProfileUpdate: Sendable, Equatable {
    /// Whose profile: a user's (/engage) or a group's (/groups).
    package enum Kind: Sendable, Equatable {
        /// A user profile, keyed by `distinctId`.
        case user
        /// A group profile, keyed by `groupKey` and `groupId`.
        case group
    }

    /// The record's position in the request, from 0.
    package var index: Int
    /// User or group profile.
    package var kind: Kind
    /// The project the update belongs to.
    package var project: ProjectID
    /// `$distinct_id` of a user profile; empty for groups.
    package var distinctId: String
    /// `$group_key` of a group profile (e.g. `company`); empty for users.
    package var groupKey: String
    /// `$group_id` of a group profile (numbers stringified); empty for users.
    package var groupId: String
    /// The operation key: `$set`, `$set_once`, `$add`, `$append`, `$union`, `$remove`, `$unset` or `$delete`.
    package var operation: String
    /// `$time` in ms since the epoch, or the receive time when absent.
    package var timeMs: Int64
    /// The record without `$token` and `$ip` (the raw IP is never stored), strings truncated.
    package var record: JSONValue

    /// Creates an update.
    package init(
        index: Int, kind: Kind, project: ProjectID, distinctId: String = "", groupKey: String = "",
        groupId: String = "", operation: String, timeMs: Int64, record: JSONValue
    ) {
        self.index = index
        self.kind = kind
        self.project = project
        self.distinctId = distinctId
        self.groupKey = groupKey
        self.groupId = groupId
        self.operation = operation
        self.timeMs = timeMs
        self.record = record
    }

    /// The operation's value (e.g. the object of `$set`).
    package var operationValue: JSONValue? { record[operation] }

    /// `$ignore_alias` is true: the update is for exactly the profile it names, not the one
    /// its id is an alias of.
    package var ignoresAlias: Bool { record["$ignore_alias"] == .bool(true) }

    /// The update sent to the profile `canonical` names for its distinct id — the profile of
    /// the person an alias stands for, under Original ID merge (spec §1.4: a user update goes
    /// through the alias lookup unless `$ignore_alias`). Group updates and updates that ignore
    /// aliases are unchanged.
    package func redirected(_ canonical: (String) -> String) -> ProfileUpdate {
        guard kind == .user, !ignoresAlias, !distinctId.isEmpty, case .object(var members) = record else { return self }
        let target = canonical(distinctId)
        guard target != distinctId else { return self }
        for i in members.indices where members[i].key == "$distinct_id" { members[i] = JSONMember("$distinct_id", .string(target)) }
        var out = self
        out.distinctId = target
        out.record = .object(members)
        return out
    }
}

/// What became of each record of a profile batch.
package struct ProfileBatchResult: Sendable, Equatable {
    /// Records that became updates, in request order.
    package var accepted: [ProfileUpdate]
    /// Records that were rejected, in request order.
    package var failures: [RecordFailure]

    /// Creates a result.
    package init(accepted: [ProfileUpdate] = [], failures: [RecordFailure] = []) {
        self.accepted = accepted
        self.failures = failures
    }
}
