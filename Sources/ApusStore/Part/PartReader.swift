// Read access to one immutable part. Opening checks the frame (magic, version, header and footer
// CRCs, section directory); each column is decoded on first use, after its CRC is checked, and
// kept for later scans. Damaged bytes surface as PartError, never as a trap.

import ApusStoreCore
import ApusModel
import Foundation

/// An open part file. Immutable after `init`; safe to share between threads.
package final class PartReader: Sendable {
    /// Where the part was read from (or will be written to).
    package let url: URL
    /// The footer's summary.
    package let metadata: PartMetadata
    /// The section directory, in file order.
    package let sections: [PartSection]
    /// The whole file.
    let bytes: [UInt8]

    private let timeColumn = LazySection<[Int64]>()
    private let seqColumn = LazySection<[UInt64]>()
    private let nameColumn = LazySection<DictionaryColumn>()
    private let distinctColumn = LazySection<RunColumn>()
    private let insertColumn = LazySection<[String]>()
    private let keyList = LazySection<[String]>()
    private let keyOrderColumn = LazySection<KeyOrderColumn>()
    private let propertyColumns: [LazySection<PropertyColumn>]
    let allRows = LazySection<PartRows>()

    /// The number of fixed sections before the property columns.
    static let fixedSections = 7

    /// Opens the part at `url`, reading it whole.
    package convenience init(url: URL) throws(PartError) {
        try self.init(bytes: try PartFile.read(url), url: url)
    }

    /// Opens a part held in memory (`url` names it in errors).
    package init(bytes: [UInt8], url: URL) throws(PartError) {
        (metadata, sections) = try PartLayout.parse(bytes, file: url.path)
        self.bytes = bytes
        self.url = url
        propertyColumns = (Self.fixedSections..<sections.count).map { _ in LazySection() }
    }

    /// The number of rows.
    package var rowCount: Int { metadata.rowCount }
    /// The file size in bytes.
    package var byteCount: Int { bytes.count }
    /// The number of property columns (distinct keys).
    package var propertyColumnCount: Int { propertyColumns.count }

    /// Event times in ms, one per row.
    package var times: [Int64] {
        get throws(PartError) { try timeColumn.get { () throws(PartError) in try decode(0) { r throws(DecodeFailure) in try DeltaCoding.decodeSigned(&r, count: rowCount) } } }
    }

    /// Ingestion sequence numbers, one per row.
    package var seqs: [UInt64] {
        get throws(PartError) { try seqColumn.get { () throws(PartError) in try decode(1) { r throws(DecodeFailure) in try DeltaCoding.decodeUnsigned(&r, count: rowCount) } } }
    }

    /// Event names: the dictionary and one id per row.
    package var nameColumnValues: DictionaryColumn {
        get throws(PartError) { try nameColumn.get { () throws(PartError) in try decode(2) { r throws(DecodeFailure) in try DictionaryColumn.decode(&r, count: rowCount) } } }
    }
    /// The part's distinct event names.
    package var names: [String] { get throws(PartError) { try nameColumnValues.dictionary } }
    /// For each row, the index of its event name in `names`.
    package var nameIds: [UInt32] { get throws(PartError) { try nameColumnValues.ids } }

    /// Distinct ids: sorted entries with the rows of each.
    package var distinctIds: RunColumn {
        get throws(PartError) { try distinctColumn.get { () throws(PartError) in try decode(3) { r throws(DecodeFailure) in try RunColumn.decode(&r, rowCount: rowCount) } } }
    }

    /// `$insert_id`, one per row.
    package var insertIds: [String] {
        get throws(PartError) { try insertColumn.get { () throws(PartError) in try decode(4) { r throws(DecodeFailure) in try InsertIdColumn.decode(&r, count: rowCount) } } }
    }

    /// Property keys; a key's index is its column id.
    package var keys: [String] {
        get throws(PartError) {
            try keyList.get { () throws(PartError) in
                let keys = try decode(5) { r throws(DecodeFailure) in
                    let n = try r.length()
                    var keys: [String] = []
                    keys.reserveCapacity(n)
                    for _ in 0..<n { keys.append(try r.string()) }
                    return keys
                }
                guard keys.count == propertyColumns.count else {
                    throw PartError(.malformed, file: url.path, section: "keys", "\(keys.count) keys but \(propertyColumns.count) property columns")
                }
                return keys
            }
        }
    }

    /// The order of each row's keys.
    package var keyOrder: KeyOrderColumn {
        get throws(PartError) {
            let keyCount = propertyColumns.count
            return try keyOrderColumn.get { () throws(PartError) in
                try decode(6) { r throws(DecodeFailure) in try KeyOrderColumn.decode(&r, rowCount: rowCount, keyCount: keyCount) }
            }
        }
    }

    /// The column of key `id` (an index into `keys`).
    package func propertyColumn(id: Int) throws(PartError) -> PropertyColumn {
        guard id >= 0, id < propertyColumns.count else {
            throw PartError(.invalidInput, file: url.path, "property column \(id) does not exist (\(propertyColumns.count) columns)")
        }
        return try propertyColumns[id].get { () throws(PartError) in
            try decode(Self.fixedSections + id) { r throws(DecodeFailure) in try PropertyColumn.decode(&r, rowCount: rowCount) }
        }
    }

    /// The column of `key`, or nil when no row has it.
    package func propertyColumn(named key: String) throws(PartError) -> PropertyColumn? {
        guard let id = try keys.firstIndex(where: { utf8Equal($0, key) }) else { return nil }
        return try propertyColumn(id: id)
    }

    /// Checks the CRC of section `index`, then decodes it with `body`, which must consume it.
    func decode<T>(_ index: Int, _ body: (inout BinaryReader) throws(DecodeFailure) -> T) throws(PartError) -> T {
        let s = sections[index]
        guard CRC32C.checksum(bytes, range: s.range) == s.crc else {
            throw PartError(.checksumMismatch, file: url.path, section: sectionLabel(index), "section checksum mismatch; " + PartError.damagedRemedy)
        }
        switch decodeBytes(bytes, s.range, body) {
        case .success(let value): return value
        case .failure(let e):
            throw PartError(.malformed, file: url.path, section: sectionLabel(index), "\(e.reason) at byte \(e.offset); " + PartError.damagedRemedy)
        }
    }

    /// A readable name for section `index` (property sections include the key when known).
    func sectionLabel(_ index: Int) -> String {
        let s = sections[index]
        guard s.kind == .property else { return s.kind.label }
        if let key = try? keys[s.column] { return "property \(s.column) '\(key)'" }
        return "property \(s.column)"
    }
}
