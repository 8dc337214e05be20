// Ids kept narrow in the block cache come back exactly as they were decoded, at each width.

@testable import ApusStore
import Testing

struct NarrowIdsTests {
    @Test(arguments: [1, 255, 256, 257, 65_535, 65_536, 65_537, 1 << 30])
    func narrowIdsWidenToTheSameValues(bound: Int) {
        let ids: [UInt32] = [0, UInt32(bound - 1), UInt32(bound / 2), 0, UInt32(bound - 1)]
        let narrow = NarrowIds(ids, bound: bound)
        #expect(narrow.widened == ids)
        #expect(narrow.bytesPerRow == (bound <= 256 ? 1 : bound <= 65_536 ? 2 : 4))
    }

    @Test func blockUidsAreKeptAsOffsetsFromTheSmallest() {
        let uids: [UInt32] = [1_000_000, 1_000_001, 1_000_300, 1_065_535]
        let narrow = NarrowUids(uids)
        #expect(narrow.widened == uids)
        #expect(narrow.offsets.bytesPerRow == 2)
        #expect(NarrowUids([7, 7, 9]).offsets.bytesPerRow == 1)
        #expect(NarrowUids([0, UInt32.max]).widened == [0, UInt32.max])
        #expect(NarrowUids([]).widened == [])
    }
}
