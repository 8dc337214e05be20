// Ids (event-name ids, dictionary ids) as the block cache keeps them: in the narrowest integer
// that holds every id below the column's bound — one byte a row for a handful of event names
// or browsers instead of four. The cache then holds four times the rows, and a hit widens them
// back with a copy the compiler vectorises, far cheaper than unpacking bits again.

/// Ids below a known bound, stored narrow.
enum NarrowIds: Sendable {
    case u8([UInt8])
    case u16([UInt16])
    case u32([UInt32])

    /// `ids`, each below `bound`, narrowed.
    init(_ ids: [UInt32], bound: Int) {
        if bound <= 1 << 8 {
            self = .u8(Self.convert(ids))
        } else if bound <= 1 << 16 {
            self = .u16(Self.convert(ids))
        } else {
            self = .u32(ids)
        }
    }

    /// The ids as 32-bit values.
    var widened: [UInt32] {
        switch self {
        case .u8(let v): Self.convert(v)
        case .u16(let v): Self.convert(v)
        case .u32(let v): v
        }
    }

    /// The ids as 32-bit values, each plus `base`.
    func widened(plus base: UInt32) -> [UInt32] {
        guard base != 0 else { return widened }
        switch self {
        case .u8(let v): return Self.convert(v, plus: base)
        case .u16(let v): return Self.convert(v, plus: base)
        case .u32(let v): return Self.convert(v, plus: base)
        }
    }

    /// Bytes per row.
    var bytesPerRow: Int {
        switch self {
        case .u8: 1
        case .u16: 2
        case .u32: 4
        }
    }

    /// Rows held.
    var count: Int {
        switch self {
        case .u8(let v): v.count
        case .u16(let v): v.count
        case .u32(let v): v.count
        }
    }

    @inline(__always)
    private static func convert<From: FixedWidthInteger>(_ values: [From], plus base: UInt32) -> [UInt32] {
        values.withUnsafeBufferPointer { src in
            [UInt32](unsafeUninitializedCapacity: src.count) { dst, initialized in
                for i in 0..<src.count { dst[i] = UInt32(truncatingIfNeeded: src[i]) &+ base }
                initialized = src.count
            }
        }
    }

    @inline(__always)
    private static func convert<From: FixedWidthInteger, To: FixedWidthInteger>(_ values: [From]) -> [To] {
        values.withUnsafeBufferPointer { src in
            [To](unsafeUninitializedCapacity: src.count) { dst, initialized in
                for i in 0..<src.count { dst[i] = To(truncatingIfNeeded: src[i]) }
                initialized = src.count
            }
        }
    }
}

/// User ids of a block as the cache keeps them: offsets from the block's smallest, narrow (a
/// block's rows are sorted by uid, so they span a small range even among millions of users).
struct NarrowUids: Sendable {
    var base: UInt32
    var offsets: NarrowIds

    init(_ uids: [UInt32]) {
        guard let low = uids.min(), let high = uids.max() else {
            base = 0
            offsets = .u8([])
            return
        }
        base = low
        let shifted = low == 0 ? uids : uids.map { $0 &- low }
        offsets = NarrowIds(shifted, bound: Int(high - low) + 1)
    }

    var widened: [UInt32] { offsets.widened(plus: base) }
    var byteCount: Int { offsets.count * offsets.bytesPerRow }
}
