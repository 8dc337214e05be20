// Constants of the part file format (docs/on-disk-format.md, "Part files"). Any change to the
// bytes a writer produces bumps `version`; readers refuse versions they do not know.

/// Magic numbers, version, fixed sizes and limits of part files.
package enum PartFormat {
    /// The 8 bytes at the start and at the end of every part file.
    package static let magic: [UInt8] = Array("APUSPRT1".utf8)
    /// The format version written in the header.
    package static let version: UInt32 = 1
    /// Magic (8) + version (4) + header CRC (4).
    package static let headerBytes = 16
    /// Footer length (4) + footer CRC (4) + magic (8).
    package static let trailerBytes = 16
    /// The fixed part of the footer before the section directory.
    package static let footerFixedBytes = 52
    /// One section directory entry.
    package static let sectionEntryBytes = 28

    /// The most rows one part may hold.
    package static let rowsMax = 1 << 26
    /// The most distinct property keys one part may hold.
    package static let keysMax = 1 << 16
    /// The largest section, stored length (the directory holds 32-bit lengths).
    package static let sectionBytesMax = Int(UInt32.max)
    /// The largest part file a reader loads.
    package static let fileBytesMax = 1 << 36

    /// The file name extension of part files.
    package static let fileExtension = "part"
    /// The suffix of a part being written; such files are never parts and may be deleted.
    package static let temporarySuffix = ".tmp"
}

/// What a section holds. Part of the on-disk format: never renumber.
package enum PartSectionKind: UInt8, Sendable, CaseIterable {
    case time = 1
    case seq = 2
    case name = 3
    case distinctId = 4
    case insertId = 5
    case keys = 6
    case keyOrder = 7
    case property = 8

    /// The name used in error messages and docs.
    package var label: String {
        switch self {
        case .time: "time"
        case .seq: "seq"
        case .name: "name"
        case .distinctId: "distinct_id"
        case .insertId: "insert_id"
        case .keys: "keys"
        case .keyOrder: "key_order"
        case .property: "property"
        }
    }
}

/// How a section's bytes are stored. Only `none` exists in version 1; the directory keeps the
/// byte so a later version can add general compression per section.
package enum PartCodec: UInt8, Sendable {
    case none = 0
}
