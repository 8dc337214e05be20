// GDPR/CCPA deletions (spec §4.2): each request is logged like a profile update (durable in the
// WAL, then in the update log) and applied in sequence order. A deletion names the ids of the
// person's identity cluster as they stood when it was asked; their events acknowledged before
// it are hidden from every read at once (the snapshot drops their rows), their profiles go, and
// events that arrive later are new data.

import ApusModel

/// One deletion request.
package struct DeletionTask: Sendable, Equatable {
    package var taskId: String
    /// The ids the request named.
    package var distinctIds: [String]
    /// Those ids and every id of their identity clusters when the request was made.
    package var ids: [String]
    package var complianceType: String
    package var requestingUser: String
    package var requestedMs: Int64
    /// Its sequence number: rows of `ids` below it are deleted.
    package var seq: UInt64 = 0

    package init(taskId: String, distinctIds: [String], ids: [String], complianceType: String, requestingUser: String, requestedMs: Int64) {
        self.taskId = taskId
        self.distinctIds = distinctIds
        self.ids = ids
        self.complianceType = complianceType
        self.requestingUser = requestingUser
        self.requestedMs = requestedMs
    }

    /// The compact JSON the request is logged as.
    package var json: [UInt8] {
        JSONWriter.bytes(.object([
            JSONMember("task_id", .string(taskId)),
            JSONMember("distinct_ids", .array(distinctIds.map { .string($0) })),
            JSONMember("ids", .array(ids.map { .string($0) })),
            JSONMember("compliance_type", .string(complianceType)),
            JSONMember("requesting_user", .string(requestingUser)),
            JSONMember("requested_ms", .number(Double(requestedMs))),
        ]))
    }

    /// A logged request read back; nil if the bytes are not one.
    package init?(json bytes: some Collection<UInt8>, seq: UInt64) {
        guard case .object(let m)? = try? JSONParser.parse(Array(bytes)),
              case .string(let task)? = m[key: "task_id"], case .array(let named)? = m[key: "distinct_ids"],
              case .array(let all)? = m[key: "ids"] else { return nil }
        self.taskId = task
        self.distinctIds = named.compactMap(\.stringValue)
        self.ids = all.compactMap(\.stringValue)
        self.complianceType = m[key: "compliance_type"]?.stringValue ?? "GDPR"
        self.requestingUser = m[key: "requesting_user"]?.stringValue ?? ""
        self.requestedMs = Int64(m[key: "requested_ms"]?.numberValue ?? 0)
        self.seq = seq
    }
}

/// Every deletion of a project, and what they hide.
package struct DataDeletions: Sendable, Equatable {
    package private(set) var tasks: [DeletionTask] = []
    /// Id → the sequence number below which its rows are deleted.
    package private(set) var tombstones: [String: UInt64] = [:]

    package init() {}

    /// Applies a logged request with sequence number `seq`; returns it (nil if unreadable).
    @discardableResult
    package mutating func apply(_ bytes: some Collection<UInt8>, seq: UInt64) -> DeletionTask? {
        guard let task = DeletionTask(json: bytes, seq: seq) else { return nil }
        guard !tasks.contains(where: { $0.taskId == task.taskId }) else { return nil }
        tasks.append(task)
        for id in task.ids { tombstones[id] = max(tombstones[id] ?? 0, seq) }
        return task
    }

    /// The task with this id.
    package func task(_ id: String) -> DeletionTask? {
        tasks.first { $0.taskId == id }
    }
}
