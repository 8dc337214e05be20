// A project's profiles, and how each logged `/engage` or `/groups` update changes them
// (spec §1.4, §1.5). Updates are applied in arrival (sequence) order, as they were
// acknowledged; the update log is the durable truth and these tables are rebuilt from it.
//
// The rules where the spec leaves room, chosen as a Mixpanel user would expect:
// - `$set`, `$set_once`, `$add`, `$append` and `$union` create the profile; `$unset`,
//   `$remove` and `$delete` on a profile that does not exist do nothing.
// - `$add` on a missing key starts from 0; on a key holding something other than a number it
//   leaves the value alone. `$append`, `$union` and `$remove` leave a key holding something
//   other than a list alone. `$union` adds each value not already in the list (once);
//   `$remove` takes out every element equal to the value.
// - A list that would pass 256 KB of JSON is not grown; a profile holds at most 2000
//   properties (further keys are not added).
// - `$last_seen` (users): the update's time as `YYYY-MM-DDTHH:MM:SS` UTC, on `$set`,
//   `$set_once`, `$add` and `$append` unless `$ignore_time` is true or the update sets
//   `$last_seen` itself; it never moves back.

import ApusModel

/// Every profile of one project: users, and groups by group key.
package struct ProfileTables: Sendable, Equatable {
    /// User profiles, by `$distinct_id`.
    package private(set) var users = ProfileTable()
    private var groupTables: [ExactText: ProfileTable] = [:]
    /// Updates applied so far.
    package private(set) var appliedCount = 0
    /// Logged records that could not be read as an update (none, unless the log was written
    /// by something else): they change nothing.
    package private(set) var unreadableCount = 0

    package init() {}

    /// Tables read back from a checkpoint.
    package init(users: ProfileTable, groups: [String: ProfileTable], appliedCount: Int, unreadableCount: Int) {
        self.users = users
        for (key, table) in groups { groupTables[ExactText(key)] = table }
        self.appliedCount = appliedCount
        self.unreadableCount = unreadableCount
    }

    /// The group profiles of `groupKey` (e.g. "company"), if any update named it.
    package func groups(_ groupKey: String) -> ProfileTable? {
        groupTables[ExactText(groupKey)]
    }

    /// The group keys that have profiles tables, sorted.
    package var groupKeys: [String] {
        groupTables.keys.map(\.text).sorted()
    }

    /// The longest a profile's list may grow, as JSON.
    package static let listBytesMax = 256 * 1024

    /// Applies one logged update (its JSON bytes, as validated at ingestion). A user profile
    /// created by it takes its uid from `uid` (the project's user-id dictionary).
    package mutating func apply(_ bytes: some Collection<UInt8>, kind: ProfileUpdateKind, receivedMs: Int64,
                                uid: ((String) -> UInt32?)? = nil) {
        guard let record = try? JSONParser.parse(Array(bytes)), case .object(let members) = record else {
            unreadableCount += 1
            return
        }
        apply(members, kind: kind, receivedMs: receivedMs, uid: uid)
    }

    /// Applies one update given as its members.
    package mutating func apply(_ members: [JSONMember], kind: ProfileUpdateKind, receivedMs: Int64, uid: ((String) -> UInt32?)? = nil) {
        guard let op = members.first(where: { Self.operations.contains($0.key) }) else {
            unreadableCount += 1
            return
        }
        switch kind {
        case .user:
            guard let id = Self.idText(members[key: "$distinct_id"]) else {
                unreadableCount += 1
                return
            }
            // (Any finite number reads; older or odd values do not trap.)
            let timeMs = members[key: "$time"]?.numberValue.flatMap { Int64(exactly: $0.rounded(.down)) } ?? receivedMs
            let bumps = members[key: "$ignore_time"] != .bool(true)
            Self.apply(op, id: id, to: &users, lastSeenMs: bumps ? timeMs : nil, uid: uid)
            if case .object(let geo)? = members[key: "$geo"] { Self.locate(id, geo, op, in: &users) }
        case .group:
            guard case .string(let groupKey)? = members[key: "$group_key"], let id = Self.idText(members[key: "$group_id"]) else {
                unreadableCount += 1
                return
            }
            let key = ExactText(groupKey)
            var table = groupTables.removeValue(forKey: key) ?? ProfileTable()
            Self.apply(op, id: id, to: &table, lastSeenMs: nil, uid: nil)
            groupTables[key] = table
        case .deletion:
            return
        }
        appliedCount += 1
    }

    /// A deletion request: the user profiles of `ids` go (one change, however many ids).
    package mutating func deleteUsers(_ ids: [String]) {
        for id in ids {
            if let row = users.existingRow(id) { users.delete(row: row) }
        }
        appliedCount += 1
    }

    static let operations: Set<String> = ["$set", "$set_once", "$add", "$append", "$union", "$remove", "$unset", "$delete"]

    /// An id as text: strings as they are, numbers as JSON writes them.
    static func idText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)? where !s.isEmpty: return s
        case .number(let n)?: return JSONWriter.string(.number(n))
        default: return nil
        }
    }

    private static func apply(_ op: JSONMember, id: String, to table: inout ProfileTable, lastSeenMs: Int64?,
                              uid: ((String) -> UInt32?)?) {
        let fields = op.value.objectMembers ?? []
        var bumpsLastSeen = false
        switch op.key {
        case "$set":
            let row = table.liveRow(id, uid: uid)
            for f in fields { table.set(f.key, f.value, row: row) }
            bumpsLastSeen = true
        case "$set_once":
            let row = table.liveRow(id, uid: uid)
            for f in fields where table.value(f.key, row: row) == nil { table.set(f.key, f.value, row: row) }
            bumpsLastSeen = true
        case "$add":
            let row = table.liveRow(id, uid: uid)
            for f in fields {
                guard case .number(let n) = f.value else { continue }
                switch table.value(f.key, row: row) {
                case nil: table.set(f.key, .number(n), row: row)
                case .number(let x)? where (x + n).isFinite: table.set(f.key, .number(x + n), row: row)
                default: continue // not a number there, or a sum past what a double holds
                }
            }
            bumpsLastSeen = true
        case "$append":
            let row = table.liveRow(id, uid: uid)
            for f in fields {
                switch table.value(f.key, row: row) {
                case nil: setList([f.value], f.key, row, &table)
                case .array(let list)?: setList(list + [f.value], f.key, row, &table)
                default: continue
                }
            }
            bumpsLastSeen = true
        case "$union":
            let row = table.liveRow(id, uid: uid)
            for f in fields {
                guard case .array(let values) = f.value else { continue }
                var list: [JSONValue]
                switch table.value(f.key, row: row) {
                case nil: list = []
                case .array(let existing)?: list = existing
                default: continue
                }
                // Membership by each value's JSON text (one hash per value, not a scan of the
                // list), and the list's size kept as it grows: past 256 KB the union is refused
                // without looking at the rest.
                let texts = list.map { JSONWriter.bytes($0) }
                var seen = Set(texts)
                var bytes = 2 + texts.reduce(0) { $0 + $1.count } + max(0, list.count - 1)
                let before = list.count
                var tooLong = false
                for v in values {
                    let text = JSONWriter.bytes(v)
                    guard seen.insert(text).inserted else { continue }
                    bytes += text.count + (list.isEmpty ? 0 : 1)
                    if bytes > listBytesMax {
                        tooLong = true
                        break
                    }
                    list.append(v)
                }
                if !tooLong && (list.count != before || table.value(f.key, row: row) == nil) { table.set(f.key, .array(list), row: row) }
            }
        case "$remove":
            guard let row = table.existingRow(id) else { return }
            for f in fields {
                guard case .array(let list)? = table.value(f.key, row: row) else { continue }
                table.set(f.key, .array(list.filter { $0 != f.value }), row: row)
            }
        case "$unset":
            guard let row = table.existingRow(id), case .array(let names) = op.value else { return }
            for case .string(let name) in names { table.set(name, nil, row: row) }
        case "$delete":
            if let row = table.existingRow(id) { table.delete(row: row) }
        default:
            return
        }
        if bumpsLastSeen, let lastSeenMs, !fields.contains(where: { $0.key == "$last_seen" }), let row = table.existingRow(id) {
            let text = ProfileTime.text(ms: lastSeenMs)
            if case .string(let old)? = table.value("$last_seen", row: row), old >= text { return }
            table.set("$last_seen", .string(text), row: row)
        }
    }

    /// Sets the location the update came from (`$city`, `$region`, `$country_code`) on a
    /// profile it kept, except keys the update sets itself.
    private static func locate(_ id: String, _ geo: [JSONMember], _ op: JSONMember, in table: inout ProfileTable) {
        guard ["$set", "$set_once", "$add", "$append", "$union"].contains(op.key), let row = table.existingRow(id) else { return }
        let own = op.value.objectMembers ?? []
        for g in geo where !own.contains(where: { $0.key == g.key }) { table.set(g.key, g.value, row: row) }
    }

    /// Sets a list unless it would pass `listBytesMax`.
    private static func setList(_ list: [JSONValue], _ key: String, _ row: Int, _ table: inout ProfileTable) {
        guard JSONWriter.bytes(.array(list)).count <= listBytesMax else { return }
        table.set(key, .array(list), row: row)
    }
}

/// Profile times as Mixpanel writes them.
package enum ProfileTime {
    /// `YYYY-MM-DDTHH:MM:SS` in UTC (milliseconds dropped).
    package static func text(ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let inDay = Int(seconds - days * 86_400)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(CivilDate(daysSinceEpoch: days))T\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60))"
    }
}
