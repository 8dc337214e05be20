// Reading an ingestion body without letting it cost more than it may: a declared length over
// the limit is refused before a byte is read, every chunk is charged to the body budget as it
// arrives, and a body the budget cannot hold is refused at once instead of buffered.

import ApusModel
import Hummingbird

/// Why a body was not read to its end.
package enum BodyRefusal: Error, Sendable, Equatable {
    /// Larger than the route accepts (413).
    case tooLarge(limit: Int)
    /// The body budget, or this client's share of it, is spent (503 / 429).
    case busy(BodyBudget.Refusal)
    /// The connection broke or timed out mid-body; nobody will read the answer.
    case incomplete
}

extension IngestionRoutes {
    func readBody(_ request: Request, reservation: BodyReservation) async -> Result<[UInt8], BodyRefusal> {
        let limit = state.configuration.requestBodyBytesMax
        var declared: Int? = nil
        if let text = request.headers[.contentLength] {
            // NIO refuses malformed lengths; one of 19+ digits is far over any limit.
            guard let n = DecimalText.integer(text), n <= limit else { return .failure(.tooLarge(limit: limit)) }
            declared = Int(n)
        }
        if let declared, let refusal = reservation.wouldRefuse(declared) { return .failure(.busy(refusal)) }
        var body: [UInt8] = []
        body.reserveCapacity(declared ?? 0)
        do {
            for try await chunk in request.body {
                let n = chunk.readableBytes
                guard body.count + n <= limit else { return .failure(.tooLarge(limit: limit)) }
                if let refusal = reservation.grow(by: n) { return .failure(.busy(refusal)) }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch {
            return .failure(.incomplete)
        }
        // A connection closed mid-body must never pass for a shorter, complete payload.
        if let declared, body.count != declared { return .failure(.incomplete) }
        return .success(body)
    }
}
