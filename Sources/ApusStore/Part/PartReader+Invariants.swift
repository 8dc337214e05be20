// The full consistency check of a part, for tests after every write and for `apus verify`:
// every checksum, every column decoded and cross-checked, sort order, footer summary, and the
// uniqueness rules the writer follows. Costs a full decode plus a sort of the seqs.

extension PartReader {
    /// Throws `.checksumMismatch`, `.malformed` or `.invariantViolated` on the first problem found.
    package func verifyInvariants() throws(PartError) {
        for i in sections.indices where CRC32C.checksum(bytes, range: sections[i].range) != sections[i].crc {
            throw PartError(.checksumMismatch, file: url.path, section: sectionLabel(i), "section checksum mismatch; " + PartError.damagedRemedy)
        }
        let rows = try rows()
        func violated(_ section: String, _ message: String) -> PartError {
            PartError(.invariantViolated, file: url.path, section: section, message + "; the writer that made this part has a bug, rebuild the day from the WAL")
        }
        let n = rows.count
        guard n == metadata.rowCount, rows.seqs.count == n, rows.names.count == n, rows.distinctIds.rowCount == n,
              rows.insertIds.count == n, rows.keyOrder.shapeIds.count == n else {
            throw violated("footer", "column lengths differ from the row count \(metadata.rowCount)")
        }
        var entry = 0
        for row in 1..<max(n, 1) {
            let newUser = rows.distinctIds.rowStarts[entry + 1] == row
            if newUser { entry += 1; continue }
            let (t0, t1) = (rows.times[row - 1], rows.times[row])
            guard t0 < t1 || (t0 == t1 && rows.seqs[row - 1] < rows.seqs[row]) else {
                throw violated("time", "rows \(row - 1) and \(row) are not in (distinct id, time, seq) order")
            }
        }
        guard rows.times.min() == metadata.minTimeMs, rows.times.max() == metadata.maxTimeMs,
              rows.seqs.min() == metadata.minSeq, rows.seqs.max() == metadata.maxSeq else {
            throw violated("footer", "min/max time or seq differ from the columns")
        }
        for (row, t) in rows.times.enumerated() where PartFormat.day(ofTimeMs: t) != metadata.day {
            throw violated("time", "row \(row) at \(t) ms is not on day \(metadata.day)")
        }
        let sortedSeqs = rows.seqs.sorted()
        for i in 1..<max(n, 1) where sortedSeqs[i - 1] == sortedSeqs[i] {
            throw violated("seq", "seq \(sortedSeqs[i]) appears twice")
        }
        try checkDictionary(rows.names.dictionary, ids: rows.names.ids, section: "name", violated)
        guard Set(rows.keys.map(UTF8Key.init)).count == rows.keys.count else { throw violated("keys", "a key is listed twice") }
        guard Set(rows.keyOrder.shapes).count == rows.keyOrder.shapes.count else { throw violated("key_order", "a shape is listed twice") }
        try checkDictionary(rows.keyOrder.shapes.map { $0.map(String.init).joined(separator: ",") }, ids: rows.keyOrder.shapeIds,
                            section: "key_order", violated)
        for (i, column) in rows.columns.enumerated() {
            let label = sectionLabel(Self.fixedSections + i)
            guard !column.rows.isEmpty, column.values.count == column.rows.count else {
                throw violated(label, "a property column is empty or its row and value counts differ")
            }
            if case .strings(let strings) = column.values, strings.dictionary.count != strings.count {
                try checkDictionary(strings.dictionary, ids: strings.ids, section: label, violated)
            }
        }
    }

    /// Dictionary entries are distinct by bytes and each is used by some id.
    private func checkDictionary(_ dictionary: [String], ids: [UInt32], section: String,
                                 _ violated: (String, String) -> PartError) throws(PartError) {
        guard Set(dictionary.map(UTF8Key.init)).count == dictionary.count else {
            throw violated(section, "a dictionary entry is listed twice")
        }
        var used = [Bool](repeating: false, count: dictionary.count)
        for id in ids { used[Int(id)] = true }
        guard !used.contains(false) else { throw violated(section, "a dictionary entry is never used") }
    }
}
