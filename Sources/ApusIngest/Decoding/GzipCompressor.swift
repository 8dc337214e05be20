// gzip and deflate output, the other half of BodyInflater: for tests and fuzzing of compressed
// ingestion and for anything in the package that needs to send gzip.

import CZlib

/// Compresses bytes as gzip (or zlib-wrapped or raw deflate).
package enum GzipCompressor {
    /// The stream's wrapper around the deflate data.
    package enum Wrapper: Sendable {
        /// gzip (RFC 1952).
        case gzip
        /// zlib (RFC 1950): what HTTP's `deflate` means.
        case zlib
        /// No wrapper (RFC 1951), as some clients send `deflate`.
        case raw
    }

    /// `input` as a compressed stream at compression `level` (0–9; zlib's default is 6).
    package static func compress(_ input: [UInt8], level: Int32 = 6, wrapper: Wrapper = .gzip) -> [UInt8] {
        var stream = z_stream()
        // A 32 KiB window (15), plus 16 for a gzip wrapper or negated for none; memLevel 8 is
        // zlib's default.
        let windowBits: Int32 = switch wrapper {
        case .gzip: 15 + 16
        case .zlib: 15
        case .raw: -15
        }
        guard deflateInit2_(&stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            preconditionFailure("zlib refused a constant configuration")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var written = 0
        input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                let rc = deflate(&stream, Z_FINISH)
                precondition(rc == Z_STREAM_END, "deflateBound guarantees room for the whole stream")
                written = outBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }
}
