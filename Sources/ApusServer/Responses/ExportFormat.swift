// One exported event as a JSON line: {"event": …, "properties": {"time", "distinct_id",
// "$insert_id", …the rest in arrival order}}. `time` is whole seconds unless time_in_ms.

import ApusModel
import ApusStoreCore
import ApusStore

package enum ExportFormat {
    package static func appendLine(_ e: Event, timeInMs: Bool, to out: inout [UInt8]) {
        var props: [JSONMember] = []
        props.reserveCapacity(e.properties.count + 3)
        let time = timeInMs ? e.timeMs : floorDiv(e.timeMs, 1000)
        props.append(JSONMember("time", .number(Double(time))))
        props.append(JSONMember("distinct_id", .string(e.distinctId)))
        props.append(JSONMember("$insert_id", .string(e.insertId)))
        props.append(contentsOf: e.properties)
        JSONWriter.write(.object([JSONMember("event", .string(e.name)), JSONMember("properties", .object(props))]), into: &out)
        out.append(0x0A)
    }
}
