// One batch of an import file, from bytes to events: parse each record, then validate the batch
// by /import's rules (spec §1.3) for the project being imported into. Batches are independent,
// so workers decode several at once; the loader takes their results in file order.
//
// Events without `$insert_id` get one from a generator seeded by the batch's bytes: the same
// file imported twice gives them the same ids, so a re-run adds nothing (dedupe by insert id).

import ApusModel
import ApusStoreCore

/// What one batch became.
package struct ImportBatchResult: Sendable {
    /// The accepted events as store records, in file order.
    package var records = EventRecords()
    /// What the loader needs of each record, noted while writing them (nil: read them).
    package var heads: RecordHeads?
    package var failures: [ImportRecordFailure] = []
    /// Records dropped on purpose (`$ignore`).
    package var ignored = 0
}

/// Decodes batches of import records.
package struct ImportBatchDecoder: Sendable {
    package let project: ProjectID
    package let limits: IngestLimits
    /// Receive time for validation (events more than an hour past it are refused, as on /import).
    package let nowMs: Int64
    /// How the project's identities merge (decides the distinct id of events with
    /// `$device_id` or `$user_id`).
    package let identityMode: IdentityMode

    package init(project: ProjectID, limits: IngestLimits = .standard, nowMs: Int64, identityMode: IdentityMode = .simplified) {
        self.project = project
        self.limits = limits
        self.nowMs = nowMs
        self.identityMode = identityMode
    }

    package func decode(_ batch: RecordBatch) -> ImportBatchResult {
        let context = self.context(for: batch)
        // Straight from the text when every record is a valid object (nearly always); else each
        // record is parsed on its own so that one bad line fails alone.
        let transcoded = batch.bytes.withUnsafeBufferPointer {
            EventTranscoder.transcode($0, ranges: batch.ranges, context: context, notingHeads: true)
        }
        if let transcoded {
            var result = ImportBatchResult()
            result.records = transcoded.records
            result.heads = transcoded.heads
            result.ignored = transcoded.ignored
            result.failures = batch.failures
            for f in transcoded.failures {
                result.failures.append(ImportRecordFailure(line: batch.lines[f.index], field: f.field, code: f.code, message: f.message))
            }
            result.failures.sort { $0.line < $1.line }
            return result
        }
        return decodeParsingEach(batch, context: context)
    }

    /// The validation context of `batch`: /import's rules, insert ids seeded by the batch's bytes.
    package func context(for batch: RecordBatch) -> EventValidationContext {
        var seed: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in batch.bytes.prefix(4096) { seed = (seed ^ UInt64(b)) &* 0x100_0000_01b3 }
        seed ^= UInt64(batch.bytes.count) &* 0x9E37_79B9_7F4A_7C15
        return EventValidationContext(
            endpoint: .importEvents, strict: false, nowMs: nowMs, authenticatedProject: project,
            resolveToken: { _ in nil }, limits: limits, insertIdSeed: seed, identityMode: { [identityMode] _ in identityMode })
    }

    /// The general path: each record parsed into a value on its own, then the batch validated.
    package func decodeParsingEach(_ batch: RecordBatch, context: EventValidationContext) -> ImportBatchResult {
        var result = ImportBatchResult()
        result.failures = batch.failures
        var records: [JSONValue] = []
        var sizes: [Int] = []
        var lines: [Int] = []
        records.reserveCapacity(batch.ranges.count)
        batch.bytes.withUnsafeBufferPointer { all in
            var k = 0
            while k < batch.ranges.count {
                let base = batch.ranges[k].lowerBound
                var parser = JSONParser(UnsafeBufferPointer(rebasing: all[base...]), depthMax: limits.jsonDepthMax)
                do throws(JSONParseError) {
                    while k < batch.ranges.count {
                        let range = batch.ranges[k]
                        let value = try parser.parseValue()
                        if parser.offset != range.upperBound - base {
                            throw JSONParseError(.trailingData, offset: parser.offset, message: "unexpected text after the object")
                        }
                        records.append(value)
                        sizes.append(range.count)
                        lines.append(batch.lines[k])
                        k += 1
                    }
                } catch {
                    result.failures.append(ImportRecordFailure(
                        line: batch.lines[k], field: "record", code: IngestError.Code.invalidJSON.rawValue,
                        message: "line \(batch.lines[k]) is not valid JSON: \(error.message)"))
                    k += 1
                }
            }
        }
        let validated = EventValidator.validate(records, recordByteCounts: sizes, context: context)
        result.records = EventRecords(validated.accepted.map(\.event))
        result.ignored = validated.ignored
        for f in validated.failures {
            let line = lines[f.index]
            result.failures.append(ImportRecordFailure(line: line, field: f.field, code: f.code, message: f.message))
        }
        result.failures.sort { $0.line < $1.line }
        return result
    }
}
