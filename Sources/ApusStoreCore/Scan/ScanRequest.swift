// What a scan reads: which days, times, events, users and columns. A store reads nothing a
// request did not ask for, and may skip whole blocks the request rules out.

/// The rows and columns a scan delivers.
package struct ScanRequest: Sendable, Equatable {
    /// Which property columns to read.
    package enum Properties: Sendable, Equatable {
        case none
        /// These keys, in this order (a key no row holds still gets an empty column).
        case keys([String])
        /// Every key present in the rows delivered.
        case all
    }

    /// UTC days (days since 1970-01-01), inclusive.
    package var days: ClosedRange<Int32>
    /// Event time in ms; rows outside are dropped.
    package var timeMs: Range<Int64>?
    /// Event names to keep; nil keeps every event.
    package var eventNames: Set<String>?
    /// Users (uids) to keep; nil keeps every user.
    package var uids: Range<UInt32>?
    package var properties: Properties
    /// Deliver `$insert_id` per row.
    package var insertIds: Bool
    /// Deliver the ingestion sequence number per row.
    package var seqs: Bool
    /// Deliver each row's property keys in arrival order (raw export reproduces it).
    package var keyOrder: Bool
    /// Deliver each row's uid. When false (a count by day and event, say) a store may leave
    /// `uids` empty and not read them; it still delivers them where it must read them anyway
    /// (to filter by user, or to merge sources).
    package var deliversUids = true
    /// Deliver each row's time; when false, likewise (a store still reads times to filter by
    /// time within a block the request's time range cuts).
    package var deliversTimes = true
    /// When false, `eventNames` only rules out whole blocks: a block that holds a wanted event
    /// may come with its other rows too, for a reader that filters by name itself anyway (it
    /// saves copying the kept rows out).
    package var filtersRowsByName = true
    /// When false, property columns may come without their values (a store may still fill
    /// them): for a reader that only needs which keys each row holds, through `keyOrder`.
    package var deliversPropertyValues = true
    /// Both of the above.
    package var uidsAndTimes: Bool {
        get { deliversUids && deliversTimes }
        set { deliversUids = newValue; deliversTimes = newValue }
    }

    package init(days: ClosedRange<Int32>, timeMs: Range<Int64>? = nil, eventNames: Set<String>? = nil,
                 uids: Range<UInt32>? = nil, properties: Properties = .none, insertIds: Bool = false,
                 seqs: Bool = false, keyOrder: Bool = false) {
        self.days = days
        self.timeMs = timeMs
        self.eventNames = eventNames
        self.uids = uids
        self.properties = properties
        self.insertIds = insertIds
        self.seqs = seqs
        self.keyOrder = keyOrder
    }

    /// Every column, for raw export.
    package static func everything(days: ClosedRange<Int32>, eventNames: Set<String>? = nil) -> ScanRequest {
        ScanRequest(days: days, eventNames: eventNames, properties: .all, insertIds: true, seqs: true, keyOrder: true)
    }
}
