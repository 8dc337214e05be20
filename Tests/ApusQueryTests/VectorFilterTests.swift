// The vector compare that picks the rows holding one id agrees with a plain loop, for every
// block length (whole words and a tail) and whichever rows are present.

@testable import ApusQuery
import ApusStoreCore
import ApusTesting
import Testing

struct VectorFilterTests {
    @Test(arguments: [0, 1, 7, 63, 64, 65, 128, 200, 4097])
    func selectingOneIdMatchesAPlainLoop(rows: Int) {
        var random = SeededRandom(seed: UInt64(rows) &+ 11)
        let ids = (0..<rows).map { _ in UInt32(random.next() % 5) }
        let present = Bitmap(count: rows, where: { _ in random.next() % 4 != 0 })
        for id in 0..<6 as Range<UInt32> {
            let got = VectorFilter.selectEqual(present, ids, id)
            let want = Bitmap(count: rows, where: { present[$0] && ids[$0] == id })
            #expect(got == want, "rows \(rows), id \(id)")
        }
    }
}
