// Target `inflate`: gzip and deflate bodies through `BodyInflater`. The first byte picks the
// mode. Invariants: arbitrary bytes inflate or are refused with `invalid_compression` or
// `payload_too_large`, never past the output limit; a stream compressed here (gzip, zlib or
// raw deflate; gzip also as two members) inflates to exactly the bytes compressed; one byte
// short of them is `payload_too_large`; and a stream missing its last byte is refused.

import ApusIngest

enum InflateFuzzer {
    /// Kept small so a run stays fast: a 64 KB input can claim to hold gigabytes.
    static let outputBytesMax = 1024 * 1024

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let mode = input.byte()
        let rest = input.rest()
        let format: BodyInflater.Format = mode & 1 == 0 ? .gzip : .deflate

        // Arbitrary bytes.
        do {
            let output = try BodyInflater.inflate(rest, format: format, outputBytesMax: outputBytesMax)
            require(output.count <= outputBytesMax, "inflated \(output.count) bytes past the limit")
        } catch {
            require(error.code == .invalidCompression || error.code == .payloadTooLarge, "unexpected error \(error)")
        }

        // Round trip of the same bytes, compressed here.
        let stream: [UInt8]
        var expected = rest
        switch (format, mode >> 1 & 3) {
        case (.gzip, 0), (.gzip, 1): stream = WireEncoding.gzip(rest)
        case (.gzip, 2): stream = WireEncoding.deflate(rest, zlibWrapped: true) // gzip also reads zlib
        case (.gzip, _):
            let half = rest.count / 2
            stream = WireEncoding.gzip(Array(rest[..<half])) + WireEncoding.gzip(Array(rest[half...]))
            expected = rest
        case (.deflate, 0), (.deflate, 1): stream = WireEncoding.deflate(rest, zlibWrapped: true)
        case (.deflate, _): stream = WireEncoding.deflate(rest, zlibWrapped: false)
        }
        do {
            let output = try BodyInflater.inflate(stream, format: format, outputBytesMax: outputBytesMax)
            require(output == expected, "a \(format) stream of \(rest.count) bytes inflated to \(output.count) other bytes")
        } catch {
            fatalError("invariant violated: a valid \(format) stream of \(rest.count) bytes was refused: \(error)")
        }
        if !expected.isEmpty {
            do {
                _ = try BodyInflater.inflate(stream, format: format, outputBytesMax: expected.count - 1)
                fatalError("invariant violated: \(expected.count) bytes inflated under a limit of \(expected.count - 1)")
            } catch {
                require(error.code == .payloadTooLarge, "over the limit gave \(error)")
            }
        }
        do {
            _ = try BodyInflater.inflate(Array(stream.dropLast()), format: format, outputBytesMax: outputBytesMax)
            fatalError("invariant violated: a \(format) stream missing its last byte inflated")
        } catch {
            require(error.code == .invalidCompression, "a truncated stream gave \(error)")
        }
    }
}
