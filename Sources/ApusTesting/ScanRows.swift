// Turning scanned blocks back into plain rows, so that tests can compare what two stores (or a
// store and a naive reference) deliver without caring how either numbers its users.

import ApusModel
import ApusStoreCore

/// One delivered row in plain values. Properties are in the order the block gives them (arrival
/// order when the scan asked for `keyOrder`).
package struct ScanRow: Sendable, Equatable, CustomStringConvertible {
    package var day: Int32
    package var distinctId: String
    package var timeMs: Int64
    package var seq: UInt64?
    package var name: String
    package var insertId: String?
    package var properties: [JSONMember]

    package var description: String {
        "\(day) \(distinctId) \(timeMs) \(seq.map(String.init) ?? "-") \(name) \(insertId ?? "-") \(String(decoding: JSONWriter.bytes(.object(properties)), as: UTF8.self))"
    }
}

package enum ScanRows {
    /// Every row a scan delivers, in delivery order, with the block invariants checked: one day
    /// per block, at most `rowsMax` rows, (day, uid, time, seq) non-decreasing, columns sized
    /// to the rows. Violations are returned as messages.
    package static func collect(_ snapshot: any EventSnapshot, _ request: ScanRequest) throws -> (rows: [ScanRow], problems: [String]) {
        var rows: [ScanRow] = []
        var problems: [String] = []
        var last: (Int32, UInt32, Int64, UInt64)? = nil
        let cursor = try snapshot.scan(request)
        while let b = try cursor.next() {
            if b.count == 0 || b.count > EventBlock.rowsMax { problems.append("block of \(b.count) rows") }
            if b.uids.count != b.count || b.timesMs.count != b.count || b.nameIds.count != b.count {
                problems.append("columns of a \(b.count)-row block have other lengths")
            }
            if request.seqs && b.seqs.count != b.count { problems.append("seqs missing") }
            if request.insertIds && b.insertIds.count != b.count { problems.append("insert ids missing") }
            for r in 0..<b.count {
                let key = (b.day, b.uids[r], b.timesMs[r], request.seqs ? b.seqs[r] : 0)
                if let l = last, key < l { problems.append("row \(r) of day \(b.day) out of (uid, time, seq) order") }
                last = key
                if Int32(truncatingIfNeeded: floorDiv(b.timesMs[r], 86_400_000)) != b.day {
                    problems.append("row \(r) at \(b.timesMs[r]) is not on day \(b.day)")
                }
                var props: [JSONMember] = []
                if let order = b.keyOrder {
                    for k in order.shapes[Int(order.shapeOfRow[r])] {
                        if let v = b.properties[Int(k)].value(at: r) { props.append(JSONMember(b.propertyKeys[Int(k)], v)) }
                    }
                } else {
                    // Without key order, the order of keys is the store's own: compare by key.
                    for (k, key) in b.propertyKeys.enumerated() {
                        if let v = b.properties[k].value(at: r) { props.append(JSONMember(key, v)) }
                    }
                    props.sort { $0.key < $1.key }
                }
                rows.append(ScanRow(day: b.day, distinctId: snapshot.distinctId(of: b.uids[r]), timeMs: b.timesMs[r],
                                    seq: request.seqs ? b.seqs[r] : nil, name: b.names[Int(b.nameIds[r])],
                                    insertId: request.insertIds ? b.insertIds[r] : nil, properties: props))
            }
        }
        return (rows, problems)
    }

    /// Rows in an order that does not depend on how a store numbers users.
    package static func canonical(_ rows: [ScanRow]) -> [ScanRow] {
        rows.sorted { a, b in
            (a.day, a.distinctId, a.timeMs, a.seq ?? 0, a.insertId ?? "") < (b.day, b.distinctId, b.timeMs, b.seq ?? 0, b.insertId ?? "")
        }
    }
}

/// Events that exercise every column shape: a key holding several types, nulls, lists, objects,
/// absent keys, re-sent duplicates (same dedupe key, newer values), the same users across days.
package struct MixedWorkload: Sendable {
    private var rng: SeededRandom
    private var sent: [Event] = []
    package var startMs: Int64 = 1_735_689_600_000
    package var days = 4
    package var users = 40

    package init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    package mutating func next() -> Event {
        if !sent.isEmpty && rng.next() % 8 == 0 {
            // A duplicate: same name, user, second and insert id; different values.
            var e = sent[Int(rng.next() % UInt64(sent.count))]
            e.timeMs = e.timeMs - e.timeMs % 1000 + Int64(rng.next() % 1000)
            e.properties = [JSONMember("plan", .string("resent-\(rng.next() % 3)"))]
            return e
        }
        let names = ["Signed Up", "Viewed", "Bought", "Left", "Ünïcødé ✓"]
        var props: [JSONMember] = []
        if rng.next() % 4 != 0 { props.append(JSONMember("plan", .string(["free", "pro", "team", ""][Int(rng.next() % 4)]))) }
        switch rng.next() % 6 {
        case 0: props.append(JSONMember("amount", .number(Double(rng.next() % 10_000) / 100)))
        case 1: props.append(JSONMember("amount", .string("\(rng.next() % 100)")))
        case 2: props.append(JSONMember("amount", .null))
        case 3: props.append(JSONMember("amount", .bool(rng.next() % 2 == 0)))
        default: break
        }
        if rng.next() % 5 == 0 { props.append(JSONMember("tags", .array([.string("a"), .number(Double(rng.next() % 5))]))) }
        if rng.next() % 7 == 0 { props.append(JSONMember("meta", .object([JSONMember("k", .string("v\(rng.next() % 3)"))]))) }
        if rng.next() % 9 == 0 { props.append(JSONMember("big \"key\"", .number(-1e300))) }
        if rng.next() % 2 == 0 { props.reverse() }
        let e = Event(name: names[Int(rng.next() % UInt64(names.count))], distinctId: "u\(rng.next() % UInt64(users))",
                      timeMs: startMs + Int64(rng.next() % UInt64(days * 86_400_000)),
                      insertId: "i\(rng.next())", properties: props)
        sent.append(e)
        return e
    }

    package mutating func events(_ n: Int) -> [Event] { (0..<n).map { _ in next() } }
}
