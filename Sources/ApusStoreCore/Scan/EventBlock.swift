// The unit every scan delivers: up to `rowsMax` events of one UTC day, deduplicated, in
// (uid, time, seq) order, as columns. Query kernels loop over these arrays; output edges (export,
// the reference oracles) turn rows back into JSON.

/// A batch of rows of one day, as columns.
package struct EventBlock: Sendable, Equatable {
    /// The most rows a block holds.
    package static let rowsMax = 65_536

    /// The UTC day every row falls on.
    package var day: Int32
    package var count: Int
    /// The user of each row (see `EventSnapshot.distinctId(of:)`); may be empty when the
    /// request set `uidsAndTimes` to false.
    package var uids: [UInt32]
    /// Event time of each row, ms since the epoch (may be empty likewise).
    package var timesMs: [Int64]
    /// Each row's event name, as an index into `names`.
    package var nameIds: [UInt32]
    package var names: [String]
    /// Ingestion sequence numbers, when the request asked (else empty).
    package var seqs: [UInt64]
    /// `$insert_id` of each row, when the request asked (else empty).
    package var insertIds: StringColumn
    /// The property keys delivered, and their columns in the same order.
    package var propertyKeys: [String]
    package var properties: [PropertyBlock]
    /// Each row's property keys in arrival order, as indexes into `propertyKeys`, when asked.
    package var keyOrder: KeyOrder?

    /// The order in which a row's keys arrived: rows share a few shapes.
    package struct KeyOrder: Sendable, Equatable {
        package var shapes: [[UInt32]]
        package var shapeOfRow: [UInt32]

        package init(shapes: [[UInt32]], shapeOfRow: [UInt32]) {
            self.shapes = shapes
            self.shapeOfRow = shapeOfRow
        }
    }

    package init(day: Int32, count: Int, uids: [UInt32], timesMs: [Int64], nameIds: [UInt32], names: [String],
                 seqs: [UInt64] = [], insertIds: StringColumn = StringColumn(), propertyKeys: [String] = [],
                 properties: [PropertyBlock] = [], keyOrder: KeyOrder? = nil) {
        self.day = day
        self.count = count
        self.uids = uids
        self.timesMs = timesMs
        self.nameIds = nameIds
        self.names = names
        self.seqs = seqs
        self.insertIds = insertIds
        self.propertyKeys = propertyKeys
        self.properties = properties
        self.keyOrder = keyOrder
    }

    /// The column of `key`, if it was delivered.
    package func property(_ key: String) -> PropertyBlock? {
        propertyKeys.firstExactIndex(of: key).map { properties[$0] }
    }
}
