@testable import ApusStore
import ApusTesting
import Testing

struct UserIdTableTests {
    func uid(_ t: UserIdTable, _ s: String) -> UInt32? { t.uid(of: s) }

    @discardableResult
    func add(_ t: inout UserIdTable, _ s: String) -> UInt32 {
        var s = s
        return s.withUTF8 { t.append(UnsafeRawBufferPointer($0)) }
    }

    /// Ids are numbered densely in the order they arrive and found again by their bytes.
    @Test func numbersIdsDenselyInArrivalOrder() {
        var t = UserIdTable()
        #expect(add(&t, "alice") == 0)
        #expect(add(&t, "") == 1)
        #expect(add(&t, "bob ü 🦅") == 2)
        #expect(t.count == 3)
        #expect(uid(t, "alice") == 0 && uid(t, "") == 1 && uid(t, "bob ü 🦅") == 2)
        #expect(uid(t, "alic") == nil && uid(t, "alice ") == nil)
        #expect(t.distinctId(of: 2) == "bob ü 🦅")
    }

    /// Past many index growths every id still maps to its uid and back (seeded).
    @Test func keepsEveryIdThroughGrowth() {
        var rng = SeededRandom(seed: 7)
        var t = UserIdTable()
        var ids: [String] = []
        for i in 0..<50_000 {
            let id = i % 3 == 0 ? "$device:\(rng.next())" : "user-\(i)-\(rng.next() % 1000)"
            ids.append(id)
            add(&t, id)
        }
        for (i, id) in ids.enumerated() {
            #expect(t.uid(of: id) == UInt32(i))
            if t.distinctId(of: UInt32(i)) != id { Issue.record("uid \(i) maps back to \(t.distinctId(of: UInt32(i)))") ; break }
        }
    }

    /// Truncating forgets the newest ids (a failed write) and keeps the rest findable.
    @Test func truncateForgetsOnlyTheNewest() {
        var t = UserIdTable()
        for i in 0..<100 { add(&t, "u\(i)") }
        t.truncate(to: 60)
        #expect(t.count == 60)
        #expect(uid(t, "u59") == 59)
        #expect(uid(t, "u60") == nil)
        #expect(add(&t, "u99") == 60)
    }
}
