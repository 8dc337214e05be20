// Streaming gzip for export responses (spec §2.3: gzip when the client accepts it). Each chunk
// is compressed as it is produced, so memory holds one chunk, not the whole export.

import CZlib

/// A gzip (RFC 1952) compressor fed in pieces.
final class GzipStream {
    private var stream = z_stream()
    private var open = false
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    init?() {
        // 15 + 16: a 32 KiB window with a gzip wrapper. Level 1: export is bound by CPU, and the
        // JSON text compresses well even at the fastest level.
        guard deflateInit2_(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        open = true
    }

    deinit { if open { deflateEnd(&stream) } }

    /// Compresses `input`; `finish` ends the stream. Returns the bytes produced.
    func compress(_ input: [UInt8], finish: Bool = false) -> [UInt8] {
        input.withUnsafeBytes { compress($0, finish: finish) }
    }

    /// The same for bytes in place (a response buffer's, say), without copying them first.
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        input.withMemoryRebound(to: UInt8.self) { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            repeat {
                scratch.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    _ = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
            } while stream.avail_out == 0 || (finish && stream.avail_in > 0)
        }
        return out
    }
}
