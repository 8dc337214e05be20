// A payload whose records have been found but not necessarily parsed: the decoder's first
// stage. A payload larger than one record may be (1 MB) was only scanned: `parse()` then builds
// a `JSONValue` for each record no larger than `recordBytesMax`, so nothing over the limit is
// ever built, and the caller can weigh `parseBytesEstimate` against its memory budget first.
// A smaller payload cannot hold an oversized record and costs at most ~32 MB to parse, so it
// is parsed in the same pass that finds its records (a separate scan would cost ~20% of the
// ingest CPU on ordinary SDK batches); its estimate is then the cost already paid.

import ApusModel

/// The payload's JSON text and the flags and fields around it, before its records are found.
package struct ExtractedPayload: Sendable {
    package var flags: IngestFlags
    package var formFields: [String: String]
    package var uncompressedBytes: Int
    /// The JSON text holding the records (inflated, form- and base64-decoded).
    package var payload: [UInt8]
    /// "body" or "data field": where the JSON came from, for messages.
    package var origin: String
}

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
    /// The records, when the payload was small enough to parse while locating them.
    var parsedRecords: [JSONValue]?

    /// Bytes the parse of the records is expected to hold at its peak (the JSON text, the
    /// values built, and the validator's copies). Calibrated on the real server: a 9.6 MB
    /// batch of arrays of small numbers (the costliest JSON per byte, 4.8 M structural bytes)
    /// peaked 148 MB above idle, ~31 bytes per structural byte; 2000 ordinary 13-property
    /// events (566 KB) peaked 7 MB above idle, the memtable's copy included.
    package var parseBytesEstimate: Int {
        payload.count + layout.structuralBytes * Self.bytesPerStructuralByte
    }

    /// Memory held per `{ [ , :` while a payload is parsed and validated (see parseBytesEstimate).
    package static let bytesPerStructuralByte = 48

    /// The records as values. A record over `recordBytesMax` is not parsed: its slot holds
    /// `.null` and its byte count says why, so validation refuses it by size alone.
    /// - Throws: `invalid_json` naming the byte offset in the payload.
    package func parse(limits: IngestLimits) throws(IngestError) -> DecodedPayload {
        var records: [JSONValue]
        if let parsedRecords {
            records = parsedRecords
        } else {
            records = []
            records.reserveCapacity(layout.ranges.count)
            do throws(JSONParseError) {
                try payload.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in
                    var parser = JSONParser(buffer, depthMax: limits.jsonDepthMax)
                    for range in layout.ranges {
                        records.append(range.count > limits.recordBytesMax ? .null : try parser.parseValue(exactly: range))
                    }
                }
            } catch {
                throw IngestError(.invalidJSON, "the \(origin) is not valid JSON: \(error.message) (at byte \(error.offset))")
            }
        }
        return DecodedPayload(
            flags: flags, records: records, recordByteCounts: layout.ranges.map(\.count),
            formFields: formFields, uncompressedBytes: uncompressedBytes)
    }
}
