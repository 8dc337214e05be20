// A consistent, immutable view of one project's events, and the pull cursor its scans return.
// Every query reads events through this and nothing else.

/// What readers see of a project at one moment.
package protocol EventSnapshot: Sendable {
    var project: Int64 { get }
    /// The UTC days in `range` that hold events, ascending.
    func days(in range: ClosedRange<Int32>) -> [Int32]
    /// The distinct id a uid stands for (every uid a scan of this snapshot delivers has one).
    func distinctId(of uid: UInt32) -> String
    /// The uid of a distinct id, if the project has seen it.
    func uid(of distinctId: String) -> UInt32?
    /// The project's user and group profiles at the same moment.
    var profiles: ProfileTables { get }
    /// The identity facts of its events, joined under both merge modes.
    var identity: IdentityGraph { get }
    /// Its GDPR/CCPA deletions (the rows they delete are already left out of every scan).
    var deletions: DataDeletions { get }
    /// The rows the request asks for, deduplicated, as blocks in (day, uid, time, seq) order.
    func scan(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor
}

/// Blocks pulled one at a time, so a reader holds one block at once however long the scan.
package final class EventBlockCursor {
    private let produce: () throws(StoreError) -> EventBlock?

    package init(_ produce: @escaping () throws(StoreError) -> EventBlock?) {
        self.produce = produce
    }

    /// The next block, or nil at the end.
    package func next() throws(StoreError) -> EventBlock? { try produce() }

    /// A cursor over blocks already built.
    package static func over(_ blocks: [EventBlock]) -> EventBlockCursor {
        var i = 0
        return EventBlockCursor { () throws(StoreError) -> EventBlock? in
            defer { i += 1 }
            return i < blocks.count ? blocks[i] : nil
        }
    }
}
