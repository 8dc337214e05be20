// The chunk cache keeps a stable share of a scan larger than itself (plain LRU would hit
// nothing, pass after pass), and a chunk asked for again outlives chunks loaded once.

@testable import ApusStore
import ApusStoreCore
import Testing

struct BlockCacheTests {
    func ask(_ cache: BlockCache, _ chunk: Int, bytes: Int = 100) -> Bool {
        var loaded = false
        let key = BlockCache.Key(part: 1, offset: UInt64(chunk), length: 1, kind: 1)
        let value: Result<Int, StoreError> = Result { () throws(StoreError) in
            try cache.value(key) { () throws(StoreError) -> (Int, bytes: Int) in
                loaded = true
                return (chunk, bytes)
            }
        }
        #expect((try? value.get()) == chunk)
        return !loaded
    }

    @Test func aScanLargerThanTheCacheKeepsHittingAStableShare() {
        // Room for 16 chunks; the scan reads 40, four times.
        let cache = BlockCache(bytesMax: 1600)
        var hitsPerPass: [Int] = []
        for _ in 0..<4 {
            hitsPerPass.append((0..<40).filter { ask(cache, $0) }.count)
        }
        #expect(hitsPerPass[0] == 0)
        #expect(hitsPerPass[1] >= 8 && hitsPerPass[2] >= 8 && hitsPerPass[3] >= 8, "\(hitsPerPass)")
        #expect(cache.usage.bytes <= 1600)
    }

    @Test func aChunkAskedForAgainOutlivesChunksLoadedOnce() {
        let cache = BlockCache(bytesMax: 1000)
        _ = ask(cache, 0)
        #expect(ask(cache, 0))
        for chunk in 1...30 { _ = ask(cache, chunk) }
        #expect(ask(cache, 0), "the chunk hit once stays while thirty others come and go")
    }

    /// Chunks an earlier report kept do not shut a new report out: eviction leaves a quarter
    /// of the cache to chunks on probation, so the new report's chunks, read again and again,
    /// get in.
    @Test func aNewReportStillGetsInAfterAnEarlierOneKeptItsChunks() {
        let cache = BlockCache(bytesMax: 1000)
        for _ in 0..<2 { for chunk in 0..<7 { _ = ask(cache, chunk) } }
        var hitsPerPass: [Int] = []
        for _ in 0..<4 { hitsPerPass.append((100..<105).filter { ask(cache, $0) }.count) }
        #expect(hitsPerPass[2] >= 4 && hitsPerPass[3] >= 4, "\(hitsPerPass)")
    }
}
