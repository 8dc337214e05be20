// gzip and deflate request bodies (spec §1.1 rule 5), inflated with zlib.
// The size limit applies to the *inflated* bytes and is checked while inflating, chunk by
// chunk, so a small zip bomb stops at the limit instead of exhausting memory.

import CZlib

/// Inflates compressed request bodies, never past a byte limit.
package enum BodyInflater {
    /// A compressed body's format.
    package enum Format: Equatable {
        /// gzip (RFC 1952); a zlib stream is accepted too.
        case gzip
        /// HTTP "deflate": zlib-wrapped (RFC 1950) or, as some clients send it, raw deflate.
        case deflate
    }

    /// The inflated bytes of `input`.
    /// - Throws: `payload_too_large` past `outputBytesMax`, `invalid_compression` for corrupt input.
    package static func inflate(_ input: [UInt8], format: Format, outputBytesMax: Int) throws(IngestError) -> [UInt8] {
        let windowBits: Int32
        switch format {
        case .gzip: windowBits = 15 + 32 // auto-detect gzip or zlib header
        case .deflate: windowBits = looksLikeZlib(input) ? 15 : -15
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw IngestError(.invalidCompression, "could not start inflating the body; retry the request")
        }
        defer { inflateEnd(&stream) }

        let chunkBytes = 64 * 1024
        var output: [UInt8] = []
        output.reserveCapacity(min(outputBytesMax, max(input.count * 4, chunkBytes)))
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        var outcome: Outcome = .corrupt
        input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                var produced = 0
                var rc: Int32 = Z_OK
                chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = outBuffer.count - Int(stream.avail_out)
                }
                if output.count + produced > outputBytesMax {
                    outcome = .tooLarge
                    return
                }
                output.append(contentsOf: chunk[0 ..< produced])
                switch rc {
                case Z_STREAM_END:
                    // gzip allows several members back to back; anything else after the end is ignored.
                    if stream.avail_in > 0, format == .gzip, stream.next_in.pointee == 0x1F {
                        guard inflateReset(&stream) == Z_OK else { return }
                        continue
                    }
                    outcome = .done
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 { outcome = .truncated }
                    return
                default:
                    return
                }
            }
        }
        switch outcome {
        case .done:
            return output
        case .tooLarge:
            throw IngestError(.payloadTooLarge,
                              "the inflated body is larger than \(outputBytesMax) bytes; split it into smaller requests")
        case .truncated:
            throw IngestError(.invalidCompression,
                              "the \(format == .gzip ? "gzip" : "deflate") body ends early; send the complete stream")
        case .corrupt:
            let detail = stream.msg.map { " (\(String(cString: $0)))" } ?? ""
            throw IngestError(.invalidCompression,
                              "the body is not valid \(format == .gzip ? "gzip" : "deflate") data\(detail); "
                                  + "compress it as declared or drop the Content-Encoding header")
        }
    }

    private enum Outcome { case done, tooLarge, truncated, corrupt }

    /// True when the first two bytes form a zlib header (RFC 1950: CM = 8, header checksum).
    static func looksLikeZlib(_ input: [UInt8]) -> Bool {
        guard input.count >= 2 else { return false }
        let cmf = UInt16(input[0]), flg = UInt16(input[1])
        return cmf & 0x0F == 8 && (cmf << 8 | flg) % 31 == 0
    }

    /// True when `input` starts with the gzip magic bytes.
    static func looksLikeGzip(_ input: [UInt8]) -> Bool {
        input.count >= 2 && input[0] == 0x1F && input[1] == 0x8B
    }
}
