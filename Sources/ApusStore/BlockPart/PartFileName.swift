// Names of part files in a project's parts directory: `<project>-<day>-<minSeq>-<maxSeq>.part`,
// with `-<n>` before the extension when that name is taken (a merge of parts whose seq ranges
// nest can produce the range of an input). The name is informative only: the footer is the
// truth, and readers never parse names.

import ApusModel

/// Builds and recognises part file names.
package enum PartFileName {
    package static let fileExtension = "part"
    /// What a part is called while it is written (BlockPartWriter).
    package static let temporarySuffix = ".tmp"

    /// The name of a part with the given footer summary; `attempt` > 0 adds a suffix.
    package static func make(projectId: ProjectID, day: Int32, minSeq: UInt64, maxSeq: UInt64, attempt: Int = 0) -> String {
        let suffix = attempt > 0 ? "-\(attempt)" : ""
        return "\(projectId)-\(day)-\(minSeq)-\(maxSeq)\(suffix).\(fileExtension)"
    }

    /// True for names of complete parts (never for `.tmp` files being written).
    package static func isPart(_ name: String) -> Bool {
        name.hasSuffix("." + fileExtension)
    }

    /// True for leftovers of interrupted writes, which may be deleted at startup.
    package static func isTemporary(_ name: String) -> Bool {
        name.hasSuffix("." + fileExtension + temporarySuffix)
    }
}
