// zstd for the cold column chunks of parts (insert ids, plain strings, JSON text, seqs,
// dictionaries): they are read rarely, so their size matters more than their decoding speed.
// Hot columns (uids, times, names, dictionary ids, numbers) stay uncompressed and bit-packed.

import CZstd

/// One-shot zstd compression of byte arrays.
enum Zstd {
    /// `bytes` as one zstd frame.
    static func compress(_ bytes: [UInt8], level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { o in
            bytes.withUnsafeBytes { i in ZSTD_compress(o.baseAddress, bound, i.baseAddress, i.count, level) }
        }
        guard ZSTD_isError(n) == 0 else { return [] }
        out.removeLast(bound - n)
        return out
    }

    /// The `size` bytes a frame holds; nil when the frame is damaged or holds another size.
    static func decompress(_ frame: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: size)
        let n = out.withUnsafeMutableBytes { o in
            frame.withUnsafeBytes { i in ZSTD_decompress(o.baseAddress, size, i.baseAddress, i.count) }
        }
        guard ZSTD_isError(n) == 0, n == size else { return nil }
        return out
    }
}
