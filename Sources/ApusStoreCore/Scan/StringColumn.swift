// Variable-length bytes per row (insert ids, JSON text of lists and objects) in one arena: no
// String and no allocation per row.

/// One byte string per row, back to back.
package struct StringColumn: Sendable, Equatable {
    /// Every row's bytes in row order.
    package private(set) var arena: [UInt8] = []
    /// `ends[row]` is where the row's bytes end in `arena`.
    package private(set) var ends: [UInt32] = []

    package init() {}

    /// `rows` empty strings.
    package init(empty rows: Int) {
        ends = [UInt32](repeating: 0, count: rows)
    }

    /// A column from its parts: `ends` ascending, the last at most `arena.count`.
    package init(arena: [UInt8], ends: [UInt32]) {
        precondition(ends.last.map { Int($0) <= arena.count } ?? true, "string ends past the arena")
        self.arena = arena
        self.ends = ends
    }

    package var count: Int { ends.count }

    package mutating func reserve(rows: Int, bytes: Int) {
        ends.reserveCapacity(rows)
        arena.reserveCapacity(bytes)
    }

    package mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { arena.append(contentsOf: $0) }
        ends.append(UInt32(arena.count))
    }

    package mutating func append(bytes: some Collection<UInt8>) {
        arena.append(contentsOf: bytes)
        ends.append(UInt32(arena.count))
    }

    /// Appends the encoded value `r` is at, as JSON text, written straight into the arena.
    package mutating func appendJSON(of r: inout BinaryReader) throws(DecodeFailure) {
        let start = arena.count
        do {
            try ValueCodec.writeJSON(&r, into: &arena)
        } catch {
            arena.removeSubrange(start...)
            throw error
        }
        ends.append(UInt32(arena.count))
    }

    /// The byte range of `row` in `arena`.
    package func range(of row: Int) -> Range<Int> {
        (row == 0 ? 0 : Int(ends[row - 1]))..<Int(ends[row])
    }

    package subscript(row: Int) -> String {
        String(decoding: arena[range(of: row)], as: UTF8.self)
    }
}
