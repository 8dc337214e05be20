import ApusModel
import ApusTesting
import Testing

struct WorkloadGeneratorTests {
    /// The same seed yields byte-identical batches; another seed does not.
    @Test func sameSeedSameBytes() {
        var a = WorkloadGenerator(seed: 42), b = WorkloadGenerator(seed: 42), c = WorkloadGenerator(seed: 43)
        let x = a.batchBody(count: 50)
        #expect(x == b.batchBody(count: 50))
        #expect(x != c.batchBody(count: 50))
    }

    /// Events look like Mixpanel's: 10–15 properties and roughly 300–500 bytes of JSON.
    @Test func eventsHaveRealisticShape() {
        var g = WorkloadGenerator(seed: 1)
        var total = 0
        for _ in 0..<1000 {
            let record = g.nextRecord()
            let props = record["properties"]?.objectMembers ?? []
            #expect((10...15).contains(props.count))
            total += JSONWriter.bytes(record).count
        }
        #expect((250...500).contains(total / 1000))
    }
}
