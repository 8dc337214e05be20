// Target `transcoder`: event payloads through `EventTranscoder` against the general path
// (`PayloadDecoder` → `EventValidator` → records), differentially.
//
// Input layout: byte 0 picks the context (bit 0 /import instead of /track, bit 1 strict,
// bit 2 tight limits, bit 3 an authenticated project); the rest is the JSON payload.
//
// Invariants: when the transcoder answers, the general path accepts the request too, and both
// give the same records byte for byte, the same projects, failures and ignored count. (When
// the transcoder declines, the server takes the general path, so nothing is compared.)

import ApusIngest
import ApusModel
import ApusStoreCore

enum TranscoderFuzzer {
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let options = input.byte()
        let payload = input.rest()
        let endpoint: IngestEndpoint = options & 1 != 0 ? .importEvents : .track
        let limits = options & 4 != 0 ? PayloadFuzzer.tightLimits : PayloadFuzzer.standardLimits
        let context = EventValidationContext(
            endpoint: endpoint, strict: options & 2 != 0, nowMs: PayloadFuzzer.nowMs,
            authenticatedProject: options & 8 != 0 ? 1 : nil, resolveToken: PayloadFuzzer.resolveToken,
            limits: limits, insertIdSeed: 7)
        guard let transcoded = EventTranscoder.transcode(payload, context: context) else { return }
        let request = IngestRequest(endpoint: endpoint, method: .post, body: payload, contentType: "application/json")
        let decoded: DecodedPayload
        do {
            decoded = try PayloadDecoder.decode(request, limits: limits)
        } catch {
            fatalError("invariant violated: the transcoder took a payload the general path refuses (\(error))")
        }
        let reference = EventValidator.validate(decoded, context: context)
        let records = EventRecords(reference.accepted.map(\.event))
        require(transcoded.records.bytes == records.bytes && transcoded.records.ranges == records.ranges,
                "transcoded records differ from the general path's")
        require(transcoded.projects == reference.accepted.map(\.project), "projects differ")
        require(transcoded.failures == reference.failures, "failures differ: \(transcoded.failures) vs \(reference.failures)")
        require(transcoded.ignored == reference.ignored, "ignored counts differ")
    }
}
