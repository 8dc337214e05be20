// The ingest path without HTTP or disk: decode a request body, validate its records, encode the
// WAL payload. What every /import request costs in CPU before the commit thread sees it.

import ApusIngest
import ApusModel
import ApusStore
import ApusStoreCore
import Foundation

enum DecodeRun {
    /// A strict /import of `body` for project 1, as the HTTP benchmark sends it.
    static func request(_ body: [UInt8]) -> IngestRequest {
        IngestRequest(endpoint: .importEvents, method: .post, body: body, contentType: "application/json",
                      contentEncoding: nil, query: "strict=1&project_id=1")
    }

    static let context = EventValidationContext(endpoint: .importEvents, strict: true, nowMs: 1_800_000_000_000,
                                                authenticatedProject: 1, resolveToken: { _ in 1 })

    static func measure(bodies: [[UInt8]]) throws {
        let start = Date()
        var events = 0
        for body in bodies {
            let decoded = try PayloadDecoder.decode(request(body))
            let result = EventValidator.validate(decoded, context: context)
            let payload = WALPayload(receivedMs: 0, events: result.accepted.map(\.event))
            events += payload.count
        }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "general path, decode + validate + encode: %d events in %.2f s (%.0f events/s on one core)", events, seconds, Double(events) / seconds))

        let start2 = Date()
        var events2 = 0, general = 0
        for body in bodies {
            let extracted = try PayloadDecoder.extract(request(body))
            guard let transcoded = EventTranscoder.transcode(extracted.payload, context: context) else { continue }
            let payload = WALPayload(receivedMs: 0, records: transcoded.records)
            events2 += payload.count
            general += transcoded.generalRecords
        }
        let seconds2 = Date().timeIntervalSince(start2)
        print(String(format: "transcoder, extract + transcode + WAL payload: %d events (%d by the general path) in %.2f s (%.0f events/s on one core)",
                     events2, general, seconds2, Double(events2) / seconds2))
    }
}
