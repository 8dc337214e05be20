// The CPU-bound middle of an ingestion request, as one synchronous value so it can run on the
// decode threads for large bodies: extract the payload's JSON (request limits checked),
// authenticate /import, then either transcode events straight into store records or, for
// profiles and whatever the transcoder declines, find the records, charge the parse's estimated
// memory to the body budget, parse and validate. Its result says what to append to the store
// and how to answer so far.

import ApusIngest
import ApusModel
import ApusStoreCore
import ApusCatalog
import ApusStore
import Foundation

/// Decoding, authentication and validation of one ingestion request.
struct IngestDecodeStage: Sendable {
    var state: ServerState
    var limits: IngestLimits
    var input: IngestRequest
    var authorization: String?
    var reservation: BodyReservation
    /// The client's address (for `ip=1` geolocation).
    var clientIP: String?

    /// What validation accepted, ready to append.
    enum Records: Sendable {
        case none
        case events([AcceptedEvent])
        /// Events as store records, transcoded from the JSON text.
        case records(TranscodedEvents)
        case profiles([ProfileUpdate], ProfileUpdateKind)
    }

    struct Result: Sendable {
        var outcome: IngestOutcome
        var records: Records = .none
        var nowMs: Int64 = 0
    }

    /// Ordinary bodies cost less to parse than a hop to another thread.
    func runsInline(_ configuration: ServerConfiguration) -> Bool {
        let encoding = (input.contentEncoding ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let compressed = !(encoding.isEmpty || encoding == "identity")
        return input.body.count <= (compressed ? configuration.inlineCompressedDecodeBytesMax : configuration.inlineDecodeBytesMax)
    }

    func run() -> Result {
        let endpoint = input.endpoint
        let formTransport = input.contentType?.lowercased().contains("x-www-form-urlencoded") == true
            || input.body.starts(with: Array("data=".utf8))
        func refused(_ update: (inout IngestOutcome) -> Void, flags: IngestFlags? = nil) -> Result {
            var o = IngestOutcome(endpoint: endpoint, flags: flags ?? IngestFlags.fromQuery(input.query, endpoint: endpoint),
                                  formTransport: formTransport)
            update(&o)
            return Result(outcome: o)
        }

        // /import: refuse bad credentials before spending CPU on a 10 MB body. A project_id
        // that only the form body carries is taken into account once the body is decoded.
        var authenticated: ProjectID? = nil
        let authenticator = Authenticator(catalog: state.catalog)
        if endpoint == .importEvents {
            let queryProject = QueryString(input.query)["project_id"]
            switch authenticator.authenticateImport(authorization: authorization, projectID: queryProject) {
            case .success(let p): authenticated = p.project
            case .failure(let e) where queryProject != nil || e == .missingCredentials || !formTransport:
                return refused { $0.authError = e }
            case .failure: break
            }
        }

        let extracted: ExtractedPayload
        do throws(IngestError) {
            extracted = try PayloadDecoder.extract(input, limits: limits)
        } catch {
            return refused { $0.requestError = error }
        }
        if endpoint == .importEvents && authenticated == nil {
            switch authenticator.authenticateImport(authorization: authorization, projectID: extracted.formFields["project_id"]) {
            case .success(let p): authenticated = p.project
            case .failure(let e):
                // Invalid JSON is reported before credentials that only the body could complete.
                do throws(IngestError) {
                    _ = try PayloadDecoder.locate(extracted, limits: limits)
                } catch {
                    return refused { $0.requestError = error }
                }
                return refused({ $0.authError = e }, flags: extracted.flags)
            }
        }

        let now = state.clock.nowMs()
        let catalog = state.catalog
        let context = EventValidationContext(
            endpoint: endpoint, strict: extracted.flags.strict && endpoint == .importEvents, nowMs: now,
            authenticatedProject: authenticated, resolveToken: { catalog.projectID(forToken: $0) },
            limits: limits, requestIP: clientIP, useRequestIP: extracted.flags.ip, insertIdSeed: nil, geoLocator: state.geoLocator,
            identityMode: { catalog.identityMode(of: $0) })

        // Events go straight from the JSON text to store records when nothing about them is
        // unusual; otherwise (and for profiles) through parsed values, as below.
        if endpoint == .track || endpoint == .importEvents {
            let transcodeBytes = extracted.payload.count * 2
            if reservation.grow(by: transcodeBytes) == nil {
                if let transcoded = EventTranscoder.transcode(extracted.payload, context: context) {
                    var outcome = IngestOutcome(endpoint: endpoint, flags: extracted.flags, formTransport: formTransport)
                    outcome.failures = transcoded.failures
                    outcome.ignored = transcoded.ignored
                    return Result(outcome: outcome, records: .records(transcoded), nowMs: now)
                }
                reservation.shrink(by: transcodeBytes)
            }
        }

        let located: LocatedPayload
        do throws(IngestError) {
            located = try PayloadDecoder.locate(extracted, limits: limits)
        } catch {
            return refused { $0.requestError = error }
        }
        let estimate = located.parseBytesEstimate
        if estimate > reservation.bytesMaxPerClient {
            // It could never fit, however long the client waited: say so instead of "retry".
            return refused({
                $0.requestError = IngestError(
                    .payloadTooLarge,
                    "this payload would take about \(estimate >> 20) MB of memory to parse, more than one client may use "
                        + "(\(reservation.bytesMaxPerClient >> 20) MB); send fewer or smaller records per request")
            }, flags: located.flags)
        }
        if let refusal = reservation.grow(by: estimate) {
            return refused({ $0.bodyRefusal = .busy(refusal) }, flags: located.flags)
        }
        let decoded: DecodedPayload
        do throws(IngestError) {
            decoded = try located.parse(limits: limits)
        } catch {
            return refused({ $0.requestError = error }, flags: located.flags)
        }

        var outcome = IngestOutcome(endpoint: endpoint, flags: decoded.flags, formTransport: formTransport)
        switch endpoint {
        case .track, .importEvents:
            let result = EventValidator.validate(decoded, context: context)
            outcome.failures = result.failures
            outcome.ignored = result.ignored
            return Result(outcome: outcome, records: .events(result.accepted), nowMs: now)
        case .engage, .groups:
            let result = ProfileValidator.validate(decoded, context: context)
            outcome.failures = result.failures
            return Result(outcome: outcome, records: .profiles(result.accepted, endpoint == .engage ? .user : .group),
                          nowMs: now)
        }
    }
}
