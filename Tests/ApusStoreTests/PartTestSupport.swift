// Shared helpers of the part, column, dedupe and compaction tests: a seeded generator of varied
// events (printed seeds make failures replayable), the reference row order, and temp directories.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation

/// SplitMix64: small, fast, and the same on every platform.
struct PartSeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds random events of one UTC day with every kind of value a part must store.
struct PartEventGenerator {
    var rng: PartSeededRandom
    let day: Int32
    /// Distinct ids, including the empty one and canonically equivalent but byte-different ones.
    var users: [String] = ["", "alice", "bob", "ünïcødé-用户", "e\u{301}", "\u{e9}", "user with space", "👩‍💻", "z"]
    let names = ["Sign Up", "Purchase", "Page View", "$identify", "ëvent ✓", ""]
    let keys = ["plan", "price", "count", "flag", "tags", "meta", "mixed", "nothing", "$browser", "ключ", "emoji🚀", ""]

    init(seed: UInt64, day: Int32 = 19_700) {
        rng = PartSeededRandom(seed: seed)
        self.day = day
        for i in 0..<30 { users.append("u\(i)") }
    }

    var dayStartMs: Int64 { Int64(day) * 86_400_000 }

    mutating func string() -> String {
        let pool = ["", "a", "free", "pro", "enterprise", "日本語", "tab\tnew\nline", "quote\"back\\", "\u{0}", "🎉🎉", "x\u{301}"]
        return rng.next() % 4 == 0 ? "s\(rng.next() % 100_000)" : pool[Int(rng.next() % UInt64(pool.count))]
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        switch rng.next() % (depth > 2 ? 6 : 8) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .number(Double(Int64(bitPattern: rng.next()) >> 20))
        case 3: return .number([0.5, -0.0, 1e300, -3.25, 2.5e-8][Int(rng.next() % 5)])
        case 4, 5: return .string(string())
        case 6: return .array((0..<Int(rng.next() % 4)).map { _ in value(depth: depth + 1) })
        default: return .object((0..<Int(rng.next() % 4)).map { i in JSONMember("k\(i)", value(depth: depth + 1)) })
        }
    }

    /// A value typed by key, so that most columns get a typed encoding and some stay raw.
    mutating func value(forKey key: String) -> JSONValue {
        switch key {
        case "plan", "$browser", "ключ": return .string(string())
        case "price": return .number(Double(rng.next() % 10_000) / 100)
        case "count": return .number(Double(Int64(rng.next() % 2000) - 1000))
        case "flag": return .bool(rng.next() % 3 == 0)
        case "tags": return .array([.string(string()), .string(string())])
        case "meta": return .object([JSONMember("nested", .object([JSONMember("deep", value(depth: 2))])), JSONMember("n", .null)])
        default: return value()
        }
    }

    mutating func insertId() -> String {
        let hex = String(rng.next(), radix: 16) + String(rng.next(), radix: 16)
        switch rng.next() % 5 {
        case 0: return uuid(upper: false)
        case 1: return uuid(upper: true)
        case 2: return String(repeating: "0", count: max(0, 32 - hex.count)) + hex.prefix(32)
        case 3: return "client-\(rng.next() % 1000)"
        default: return ""
        }
    }

    mutating func uuid(upper: Bool) -> String {
        var digits = Array(String(rng.next(), radix: 16, uppercase: upper) + String(rng.next(), radix: 16, uppercase: upper))
        while digits.count < 32 { digits.insert("0", at: 0) }
        let s = String(digits.prefix(8)) + "-" + String(digits[8..<12]) + "-" + String(digits[12..<16]) + "-"
            + String(digits[16..<20]) + "-" + String(digits[20..<32])
        return s
    }

    mutating func event(seq: UInt64) -> StoredEvent {
        let user = users[Int(rng.next() % UInt64(users.count))]
        var props: [JSONMember] = []
        var chosen = keys.shuffled(using: &rng).prefix(Int(rng.next() % UInt64(keys.count + 1)))
        if rng.next() % 50 == 0 { chosen.append("plan") }  // a repeated key
        for k in chosen { props.append(JSONMember(k, value(forKey: k))) }
        if rng.next() % 40 == 0 { props.append(JSONMember("rare_\(rng.next() % 500)", value())) }
        let time = dayStartMs + Int64(rng.next() % 86_400_000)
        let event = Event(name: names[Int(rng.next() % UInt64(names.count))], distinctId: user, timeMs: time,
                          insertId: insertId(), properties: props)
        return StoredEvent(seq: seq, event: event)
    }

    mutating func events(_ count: Int, firstSeq: UInt64 = 1) -> [StoredEvent] {
        (0..<count).map { event(seq: firstSeq + UInt64($0)) }
    }
}

/// The reference row order, written independently of PartRowOrder: UTF-8 bytes, time, seq.
func referenceSorted(_ events: [StoredEvent]) -> [StoredEvent] {
    events.sorted { a, b in
        let (x, y) = (Array(a.event.distinctId.utf8), Array(b.event.distinctId.utf8))
        if x != y { return x.lexicographicallyPrecedes(y) }
        return (a.event.timeMs, a.seq) < (b.event.timeMs, b.seq)
    }
}

/// Compares events by bytes: Swift's `==` on strings ignores canonical-equivalence differences.
func sameBytes(_ a: [StoredEvent], _ b: [StoredEvent]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        x.seq == y.seq && EventCodec.encode(x.event) == EventCodec.encode(y.event)
    }
}

/// A fresh directory under the system temp directory, removed by `remove()`.
struct PartTempDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("apus-part-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(at: url) }
    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

/// Encodes `events` as a part of their (shared) day for project 7.
func encodePart(_ events: [StoredEvent], project: ProjectID = 7) throws(PartError) -> [UInt8] {
    try PartWriter(projectId: project, day: events[0].day).encode(events)
}

/// Opens in-memory part bytes.
func openPart(_ bytes: [UInt8]) throws(PartError) -> PartReader {
    try PartReader(bytes: bytes, url: URL(fileURLWithPath: "/memory/test.part"))
}
