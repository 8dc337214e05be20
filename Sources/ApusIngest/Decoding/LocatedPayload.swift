// A payload whose records have been found but not yet parsed: the decoder's first stage.
// The caller can weigh `parseBytesEstimate` against its memory budget before paying for
// `parse()`, which builds a `JSONValue` for each record no larger than `recordBytesMax`.

import ApusModel

/// The payload bytes, the flags and fields around them, and where each record is.
package struct LocatedPayload: Sendable {
    package var flags: IngestFlags
    package var formFields: [String: String]
    package var uncompressedBytes: Int
    /// The JSON text holding the records (inflated, form- and base64-decoded).
    package var payload: [UInt8]
    package var layout: RecordLayout
    /// "body" or "data field": where the JSON came from, for messages.
    package var origin: String

    /// Bytes a parse of every record is expected to hold at its peak (the JSON text, the
    /// values built, and the validator's copies). Calibrated on the real server: a 9.6 MB
    /// batch of arrays of small numbers (the costliest JSON per byte, 4.8 M structural bytes)
    /// peaked 148 MB above idle, ~31 bytes per structural byte; 2000 ordinary 13-property
    /// events (566 KB) peaked 7 MB above idle, the memtable's copy included.
    /// Records over `recordBytesMax` are never parsed and cost nothing beyond their text.
    package func parseBytesEstimate(limits: IngestLimits) -> Int {
        var structural = 0
        for (range, count) in zip(layout.ranges, layout.structuralBytes) where range.count <= limits.recordBytesMax {
            structural += count
        }
        return payload.count + structural * Self.bytesPerStructuralByte
    }

    /// Memory held per `{ [ , :` while a payload is parsed and validated (see parseBytesEstimate(limits:)).
    package static let bytesPerStructuralByte = 48

    /// The records as values. A record over `recordBytesMax` is not parsed: its slot holds
    /// `.null` and its byte count says why, so validation refuses it by size alone.
    /// - Throws: `invalid_json` naming the byte offset in the payload.
    package func parse(limits: IngestLimits) throws(IngestError) -> DecodedPayload {
        var records: [JSONValue] = []
        records.reserveCapacity(layout.ranges.count)
        do throws(JSONParseError) {
            try payload.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in
                for range in layout.ranges {
                    if range.count > limits.recordBytesMax {
                        records.append(.null)
                        continue
                    }
                    do throws(JSONParseError) {
                        let text = UnsafeBufferPointer(rebasing: buffer[range])
                        if text.starts(with: [0xEF, 0xBB, 0xBF]) {
                            throw JSONParseError(.unexpectedByte, offset: 0, message: "unexpected byte 0xEF; expected a value")
                        }
                        records.append(try JSONParser.parse(text, depthMax: limits.jsonDepthMax))
                    } catch {
                        var shifted = error
                        shifted.offset += range.lowerBound
                        throw shifted
                    }
                }
            }
        } catch {
            throw IngestError(.invalidJSON, "the \(origin) is not valid JSON: \(error.message) (at byte \(error.offset))")
        }
        return DecodedPayload(
            flags: flags, records: records, recordByteCounts: layout.ranges.map(\.count),
            formFields: formFields, uncompressedBytes: uncompressedBytes)
    }
}
