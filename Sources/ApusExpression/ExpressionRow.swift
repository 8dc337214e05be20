// What an expression reads: one event (or profile) seen through three lookups. A protocol so
// the reference evaluator can run over a decoded `Event`, a JSON object in a test, or a row the
// query engine assembles from columns, without copying any of them into a common form.

import ApusModel

/// A record an expression is evaluated against.
package protocol ExpressionRow {
    /// `properties["key"]`; `.undefined` when the record has no such property.
    func property(_ key: String) -> ExpressionValue
    /// `user["key"]`; `.undefined` when there is no profile or no such property.
    func userProperty(_ key: String) -> ExpressionValue
    /// `event["$time"]` (a `.datetime`), `event["$event_name"]`, `event["$distinct_id"]`;
    /// `.undefined` when the record is not an event.
    func eventField(_ field: EventField) -> ExpressionValue
}

/// The first member named `key`, comparing names by their bytes (Swift's `==` on strings would
/// also match a differently normalised name).
func member(_ key: String, in members: [JSONMember]) -> JSONValue? {
    for member in members where member.key.utf8.elementsEqual(key.utf8) { return member.value }
    return nil
}

/// A row made of JSON members, for tests, fuzzing and callers holding decoded JSON.
package struct JSONExpressionRow: ExpressionRow, Sendable {
    package var properties: [JSONMember]
    /// The user's profile properties; nil when there is no profile.
    package var userProperties: [JSONMember]?
    package var eventName: String?
    package var timeMs: Int64?
    package var distinctID: String?

    package init(properties: [JSONMember], userProperties: [JSONMember]? = nil,
                 eventName: String? = nil, timeMs: Int64? = nil, distinctID: String? = nil) {
        self.properties = properties
        self.userProperties = userProperties
        self.eventName = eventName
        self.timeMs = timeMs
        self.distinctID = distinctID
    }

    package func property(_ key: String) -> ExpressionValue {
        member(key, in: properties).map(ExpressionValue.init(json:)) ?? .undefined
    }

    package func userProperty(_ key: String) -> ExpressionValue {
        userProperties.flatMap { member(key, in: $0) }.map(ExpressionValue.init(json:)) ?? .undefined
    }

    package func eventField(_ field: EventField) -> ExpressionValue {
        switch field {
        case .time: timeMs.map(ExpressionValue.datetime) ?? .undefined
        case .name: eventName.map(ExpressionValue.string) ?? .undefined
        case .distinctID: distinctID.map(ExpressionValue.string) ?? .undefined
        }
    }
}

/// A stored `Event` as a row. The store lifts `time`, `distinct_id` and `$insert_id` out of the
/// properties; they are put back here as export shows them: `properties["time"]` is the number
/// of seconds (with the milliseconds as a fraction), the other two are strings.
package struct EventExpressionRow: ExpressionRow, Sendable {
    package var event: Event
    /// The user's profile properties; nil when there is no profile.
    package var userProperties: [JSONMember]?

    package init(_ event: Event, userProperties: [JSONMember]? = nil) {
        self.event = event
        self.userProperties = userProperties
    }

    package func property(_ key: String) -> ExpressionValue {
        switch key {
        case "time": .number(Double(event.timeMs) / 1000)
        case "distinct_id": .string(event.distinctId)
        case "$insert_id": .string(event.insertId)
        default: member(key, in: event.properties).map(ExpressionValue.init(json:)) ?? .undefined
        }
    }

    package func userProperty(_ key: String) -> ExpressionValue {
        userProperties.flatMap { member(key, in: $0) }.map(ExpressionValue.init(json:)) ?? .undefined
    }

    package func eventField(_ field: EventField) -> ExpressionValue {
        switch field {
        case .time: .datetime(event.timeMs)
        case .name: .string(event.name)
        case .distinctID: .string(event.distinctId)
        }
    }
}
