// Raw export lines straight from column blocks: {"event": …, "properties": {"time",
// "distinct_id", "$insert_id", …the rest in arrival order}}, one per line. `time` is whole
// seconds unless time_in_ms. No Event or JSONValue per row: values are written from the typed
// columns (lists and objects are stored as JSON text and copied).

import ApusModel
import ApusStoreCore

package enum ExportFormat {
    /// Appends rows `rows` of `block` (delivered with `ScanRequest.everything`) as lines.
    package static func appendLines(_ block: EventBlock, rows: Range<Int>, snapshot: any EventSnapshot,
                                    timeInMs: Bool, to out: inout [UInt8]) {
        var lastUid: UInt32? = nil
        var lastDistinctId: [UInt8] = []
        for row in rows {
            out.append(contentsOf: #"{"event":"#.utf8)
            JSONWriter.writeString(block.names[Int(block.nameIds[row])], into: &out)
            out.append(contentsOf: #","properties":{"time":"#.utf8)
            let t = block.timesMs[row]
            JSONWriter.writeInteger(timeInMs ? t : floorDiv(t, 1000), into: &out)
            out.append(contentsOf: #","distinct_id":"#.utf8)
            // Rows come sorted by user: write each user's id once per run.
            if block.uids[row] != lastUid {
                lastUid = block.uids[row]
                lastDistinctId.removeAll(keepingCapacity: true)
                JSONWriter.writeString(snapshot.distinctId(of: block.uids[row]), into: &lastDistinctId)
            }
            out.append(contentsOf: lastDistinctId)
            out.append(contentsOf: #","$insert_id":"#.utf8)
            JSONWriter.writeString(block.insertIds[row], into: &out)
            if let order = block.keyOrder {
                for key in order.shapes[Int(order.shapeOfRow[row])] {
                    appendMember(block, key: Int(key), row: row, to: &out)
                }
            } else {
                for key in block.propertyKeys.indices { appendMember(block, key: key, row: row, to: &out) }
            }
            out.append(contentsOf: "}}\n".utf8)
        }
    }

    private static func appendMember(_ block: EventBlock, key: Int, row: Int, to out: inout [UInt8]) {
        let p = block.properties[key]
        func head() {
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(block.propertyKeys[key], into: &out)
            out.append(UInt8(ascii: ":"))
        }
        if let s = p.strings, s.present[row] {
            head()
            JSONWriter.writeString(s.dictionary[Int(s.ids[row])], into: &out)
        } else if let n = p.numbers, n.present[row] {
            head()
            JSONWriter.writeNumber(n.values[row], into: &out)
        } else if let b = p.booleans, b.present[row] {
            head()
            out.append(contentsOf: (b.values[row] ? "true" : "false").utf8)
        } else if let z = p.nulls, z[row] {
            head()
            out.append(contentsOf: "null".utf8)
        } else if let l = p.lists, l.present[row] {
            head()
            out.append(contentsOf: l.text.arena[l.text.range(of: row)])
        } else if let o = p.objects, o.present[row] {
            head()
            out.append(contentsOf: o.text.arena[o.text.range(of: row)])
        }
    }
}
