// `format=csv` on the Query API (spec §2.1): a report's JSON answer written as a table. A time
// series (`{"data": {"series", "values"}}`) becomes one row per bucket, a column per segment;
// `{"results": {bucket: value}}` (sum/average) two columns. Fields are quoted as RFC 4180
// says, and a text cell that a spreadsheet would run as a formula (first character = + - @,
// tab or CR) is prefixed with `'`, since segment names are whatever clients sent.

import ApusModel

enum CSVTable {
    /// The CSV text of `answer`, or nil when its shape has no table form.
    static func bytes(_ answer: JSONValue) -> [UInt8]? {
        guard case .object(let top) = answer else { return nil }
        var rows: [[Cell]] = []
        if case .object(let data)? = top.last(where: { $0.key == "data" })?.value,
           case .array(let series)? = data.last(where: { $0.key == "series" })?.value,
           case .object(let values)? = data.last(where: { $0.key == "values" })?.value {
            rows.append([.text("date")] + values.map { .text($0.key) })
            let columns: [[String: Double]] = values.map { member in
                guard case .object(let cells) = member.value else { return [:] }
                var byLabel: [String: Double] = [:]
                for c in cells { if case .number(let n) = c.value { byLabel[c.key] = n } }
                return byLabel
            }
            for case .string(let label) in series {
                rows.append([.text(label)] + columns.map { .number($0[label] ?? 0) })
            }
        } else if case .object(let results)? = top.last(where: { $0.key == "results" })?.value {
            rows.append([.text("date"), .text("value")])
            for r in results {
                guard case .number(let n) = r.value else { continue }
                rows.append([.text(r.key), .number(n)])
            }
        } else {
            return nil
        }
        var out: [UInt8] = []
        for row in rows {
            for (i, cell) in row.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                switch cell {
                case .number(let n): JSONWriter.writeNumber(n, into: &out)
                case .text(let s): write(s, into: &out)
                }
            }
            out += [13, 10]
        }
        return out
    }

    enum Cell {
        case text(String)
        case number(Double)
    }

    static func write(_ text: String, into out: inout [UInt8]) {
        var bytes = Array(text.utf8)
        if let first = bytes.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains(first) {
            bytes.insert(UInt8(ascii: "'"), at: 0)
        }
        let quoted = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard quoted else { out += bytes; return }
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}
