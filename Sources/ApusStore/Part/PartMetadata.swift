// What a part's footer says about its rows, readable without decoding any column.

import ApusModel

/// The summary stored in a part's footer.
package struct PartMetadata: Sendable, Equatable {
    /// The format version the file was written with.
    package var formatVersion: UInt32
    /// The project the rows belong to.
    package var projectId: ProjectID
    /// The UTC day (days since 1970-01-01) of every row.
    package var day: Int32
    /// The number of rows.
    package var rowCount: Int
    /// The smallest and largest event time, in ms since the epoch.
    package var minTimeMs: Int64
    package var maxTimeMs: Int64
    /// The smallest and largest ingestion sequence number.
    package var minSeq: UInt64
    package var maxSeq: UInt64

    package init(formatVersion: UInt32 = PartFormat.version, projectId: ProjectID, day: Int32, rowCount: Int,
                 minTimeMs: Int64, maxTimeMs: Int64, minSeq: UInt64, maxSeq: UInt64) {
        self.formatVersion = formatVersion
        self.projectId = projectId
        self.day = day
        self.rowCount = rowCount
        self.minTimeMs = minTimeMs
        self.maxTimeMs = maxTimeMs
        self.minSeq = minSeq
        self.maxSeq = maxSeq
    }
}

/// One entry of the section directory.
package struct PartSection: Sendable, Equatable {
    /// What the section holds.
    package var kind: PartSectionKind
    /// How its bytes are stored.
    package var codec: PartCodec
    /// For `property` sections the key's column id; 0 otherwise.
    package var column: Int
    /// Byte offset from the start of the file.
    package var offset: Int
    /// Stored length in bytes.
    package var length: Int
    /// Length after decoding the codec (equal to `length` for `none`).
    package var decodedLength: Int
    /// CRC-32C of the stored bytes.
    package var crc: UInt32

    package init(kind: PartSectionKind, codec: PartCodec = .none, column: Int = 0, offset: Int, length: Int,
                 decodedLength: Int, crc: UInt32) {
        self.kind = kind
        self.codec = codec
        self.column = column
        self.offset = offset
        self.length = length
        self.decodedLength = decodedLength
        self.crc = crc
    }

    /// The byte range in the file.
    package var range: Range<Int> { offset..<(offset + length) }
}
