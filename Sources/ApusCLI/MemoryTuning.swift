// Process-wide allocator settings for `apus serve`.
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

#if canImport(Glibc)
import Glibc
#endif

enum MemoryTuning {
    static func returnLargeAllocationsToTheSystem() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mmapThreshold: Int32 = -3 // M_MMAP_THRESHOLD in <malloc.h>
        let trimThreshold: Int32 = -1 // M_TRIM_THRESHOLD
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(mmapThreshold, 1 << 20)
        _ = mallopt(trimThreshold, 8 << 20)
        #endif
    }
}
