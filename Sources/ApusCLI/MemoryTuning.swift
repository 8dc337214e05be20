// Process-wide allocator settings for `apus serve`.
//
// glibc serves allocations above a threshold (128 KiB at first) with their own mapping, which
// goes back to the system when freed; but after the first such free it raises the threshold
// to that size, so the next burst of large request bodies comes from the heap and stays
// resident after the requests end (a burst of 11 MB uploads once left 2.8 GB behind). Fixing
// the threshold at 1 MiB keeps memory use following the work. `mallopt` is not in Swift's
// Glibc module, so it is looked up by name.

#if canImport(Glibc)
import Glibc
#endif

enum MemoryTuning {
    static func returnLargeAllocationsToTheSystem() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mmapThreshold: Int32 = -3 // M_MMAP_THRESHOLD in <malloc.h>
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
        #endif
    }
}
