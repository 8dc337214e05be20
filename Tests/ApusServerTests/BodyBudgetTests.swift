// The shared memory budget for request bodies.

import ApusTesting
import ApusStoreCore
import ApusServer
import Testing

struct BodyBudgetTests {
    /// One client may hold a quarter; all together the whole; giving back frees both.
    @Test func refusesOverTheClientShareThenOverTheWhole() {
        let budget = BodyBudget(limits: BodyBudgetLimits(bytesMax: 400))
        #expect(budget.take(100, client: "a") == nil)
        #expect(budget.take(1, client: "a") == .clientOverShare)
        #expect(budget.take(100, client: "b") == nil)
        #expect(budget.take(100, client: "c") == nil)
        #expect(budget.take(100, client: "d") == nil)
        #expect(budget.take(1, client: "e") == .serverBusy)
        budget.give(100, client: "a")
        #expect(budget.take(50, client: "e") == nil)
        #expect(budget.bytesInUse == 350)
    }

    /// A reservation gives everything back when released, and releasing twice is harmless.
    @Test func reservationReleasesWhatItHeld() {
        let budget = BodyBudget(limits: BodyBudgetLimits(bytesMax: 1000))
        let r = BodyReservation(budget: budget, client: "a")
        #expect(r.grow(by: 100) == nil && r.grow(by: 100) == nil)
        #expect(r.grow(by: 100) == .clientOverShare)
        #expect(budget.bytesInUse == 200)
        r.release()
        r.release()
        #expect(budget.bytesInUse == 0)
    }

    /// The default is a sixteenth of memory, between 64 MiB and 512 MiB.
    @Test func defaultIsSizedForTheMachine() {
        #expect(BodyBudgetLimits.sized(forPhysicalMemory: 24 << 30).bytesMax == 512 << 20)
        #expect(BodyBudgetLimits.sized(forPhysicalMemory: 2 << 30).bytesMax == 128 << 20)
        #expect(BodyBudgetLimits.sized(forPhysicalMemory: 512 << 20).bytesMax == 64 << 20)
    }
}
