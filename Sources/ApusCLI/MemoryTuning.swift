// Process-wide allocator settings for `apus serve` and `apus import`.
//
// glibc serves allocations above a threshold (128 KiB at first) with their own mapping, which
// goes back to the system when freed; but after the first such free it raises the threshold
// to that size, so the next burst of large request bodies comes from the heap and stays
// resident after the requests end (a burst of 11 MB uploads once left 2.8 GB behind). Fixing
// the threshold at 1 MiB keeps memory use following the work. Below it, the heap gives freed
// memory back only when more than the trim threshold (128 KiB by default) lies free at its top,
// so buffers of a few hundred KB that come and go (export slices) were mapped and zeroed again
// each time, a third of an export's CPU in page faults; an 8 MiB trim threshold keeps that much
// per heap for reuse. `mallopt` is not in Swift's Glibc module, so it is looked up by name.
//
// `apus import` is the opposite case: one process whose working set is its buffer, allocating
// and freeing batch-sized buffers (a few MB) thousands of times. Mapped and zeroed afresh each
// time, they cost a tenth of its CPU in page faults; served from the heap and kept there, they
// are reused.

#if canImport(Glibc)
import Glibc
#endif

enum MemoryTuning {
    /// For a server: memory use follows the work.
    static func returnLargeAllocationsToTheSystem() {
        set(mmapThreshold: 1 << 20, trimThreshold: 8 << 20)
    }

    /// For a bulk load: batch-sized buffers come from the heap (up to glibc's 32 MiB ceiling
    /// for the threshold) and freed ones stay for the next batch.
    static func keepBatchBuffersForReuse() {
        set(mmapThreshold: 32 << 20, trimThreshold: 32 << 20)
    }

    private static func set(mmapThreshold: Int32, trimThreshold: Int32) {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mmapThresholdParameter: Int32 = -3 // M_MMAP_THRESHOLD in <malloc.h>
        let trimThresholdParameter: Int32 = -1 // M_TRIM_THRESHOLD
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(mmapThresholdParameter, mmapThreshold)
        _ = mallopt(trimThresholdParameter, trimThreshold)
        #endif
    }
}
