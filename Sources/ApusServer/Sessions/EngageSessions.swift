// Paged profile queries (`/engage`): the rows the first page's query matched are kept under its
// `session_id`, so every later page — mixpanel-utils fetches them all at once, from the first
// page's `total` — is cut from the same rows, whatever was written meanwhile (a row is one
// profile for ever, so the rows are enough; each page shows the profiles as they are when it
// is read, and a session never pins a copy of the tables). Sessions last ten minutes (as
// Mixpanel's do) and at most `entriesMax` are kept (the oldest goes first): 4 bytes per row.

import ApusModel
import ApusQuery
import Synchronization

package final class EngageSessions: Sendable {
    struct Entry {
        var project: ProjectID
        /// The query's parameters, so a session id reused for another question is not
        /// answered from the wrong rows.
        var fingerprint: String
        var rows: [Int32]
        var createdMs: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    package static let lifetimeMs: Int64 = 10 * 60 * 1000
    package static let entriesMax = 64

    package init() {}

    /// The rows kept for `id`, if they answer the same question in the same project and have
    /// not expired.
    func rows(_ id: String, project: ProjectID, fingerprint: String, nowMs: Int64) -> [Int32]? {
        entries.withLock { all in
            guard let e = all[id] else { return nil }
            guard nowMs - e.createdMs < Self.lifetimeMs else {
                all[id] = nil
                return nil
            }
            return e.project == project && e.fingerprint == fingerprint ? e.rows : nil
        }
    }

    /// Keeps `rows` under `id`.
    func keep(_ rows: [Int32], id: String, project: ProjectID, fingerprint: String, nowMs: Int64) {
        entries.withLock { all in
            all = all.filter { nowMs - $0.value.createdMs < Self.lifetimeMs }
            while all.count >= Self.entriesMax, let oldest = all.min(by: { $0.value.createdMs < $1.value.createdMs }) {
                all[oldest.key] = nil
            }
            all[id] = Entry(project: project, fingerprint: fingerprint, rows: rows, createdMs: nowMs)
        }
    }

    /// A new session id: the time, then random letters and digits.
    static func newId(nowMs: Int64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var g = SystemRandomNumberGenerator()
        return "\(nowMs / 1000)-" + String((0..<16).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}
