// The error of the part layer: every failure to write, open or decode a part file, with a stable
// code for programs and a message for people that names the file, the section and what to do.

/// A failure reading or writing a part file. Never a trap: damaged input always ends here.
package struct PartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes (the raw values are part of the API: logs, `apus verify`, tests).
    package enum Code: String, Sendable {
        /// The file could not be read, written, synced or renamed.
        case io = "part_io"
        /// The file does not start and end with the part magic.
        case notAPart = "part_not_a_part"
        /// The file was written by a format version this build does not know.
        case unsupportedVersion = "part_unsupported_version"
        /// A section uses a codec this build does not know.
        case unsupportedCodec = "part_unsupported_codec"
        /// Stored and computed CRC-32C differ: the bytes are damaged.
        case checksumMismatch = "part_checksum_mismatch"
        /// The file is shorter than its own structure says.
        case truncated = "part_truncated"
        /// The bytes pass their checksums but do not decode (a writer bug or a forged file).
        case malformed = "part_malformed"
        /// Decoded contents break an invariant (sort order, counts, bounds).
        case invariantViolated = "part_invariant_violated"
        /// The writer was given events it cannot store together.
        case invalidInput = "part_invalid_input"
        /// A limit (rows, keys, section size) would be exceeded.
        case limitExceeded = "part_limit_exceeded"
        /// The destination file already exists; parts are never overwritten.
        case exists = "part_exists"
    }

    /// What went wrong, stable across versions.
    package var code: Code
    /// The file (path) concerned.
    package var file: String
    /// The section concerned (`header`, `footer`, `time`, `property 'plan'`…), if any.
    package var section: String?
    /// What happened and what to do about it.
    package var message: String

    package init(_ code: Code, file: String, section: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.section = section
        self.message = message
    }

    package var description: String {
        "\(code.rawValue): \(file)\(section.map { ", section \($0)" } ?? ""): \(message)"
    }

    /// The remedy appended to damage reports.
    static let damagedRemedy = "the file is damaged; move it aside and rebuild the day from the WAL or a backup (`apus verify` lists damaged parts)"
}
