// What an expression reads, found without evaluating it: the columns a query must load, and
// whether it needs user profiles (the query then joins each row to its user's profile).

/// The data an expression refers to.
package struct ExpressionReferences: Sendable, Equatable {
    /// Keys read through `properties[...]`, each once, in order of first appearance.
    package var propertyKeys: [String] = []
    /// Keys read through `user[...]`, each once, in order of first appearance.
    package var userPropertyKeys: [String] = []
    /// Fields read through `event[...]`.
    package var eventFields: Set<EventField> = []
    /// Where the first `user[...]` starts (offset into the text), when there is one.
    package var firstUserPropertyOffset: Int?

    /// Whether `user[...]` appears anywhere.
    package var containsUserProperties: Bool { !userPropertyKeys.isEmpty }
    /// Whether `event["$event_name"]` appears.
    package var usesEventName: Bool { eventFields.contains(.name) }
    /// Whether `event["$time"]` appears.
    package var usesEventTime: Bool { eventFields.contains(.time) }

}

extension Expression {
    /// The properties, profile properties and event fields this expression reads.
    package var references: ExpressionReferences {
        var result = ExpressionReferences()
        collectReferences(into: &result)
        return result
    }

    private func collectReferences(into result: inout ExpressionReferences) {
        switch kind {
        case .property(let key):
            if !result.propertyKeys.contains(where: { $0.utf8.elementsEqual(key.utf8) }) { result.propertyKeys.append(key) }
        case .userProperty(let key):
            if !result.userPropertyKeys.contains(where: { $0.utf8.elementsEqual(key.utf8) }) { result.userPropertyKeys.append(key) }
            if result.firstUserPropertyOffset.map({ range.lowerBound < $0 }) ?? true {
                result.firstUserPropertyOffset = range.lowerBound
            }
        case .eventField(let field):
            result.eventFields.insert(field)
        default:
            kind.forEachChild { $0.collectReferences(into: &result) }
        }
    }
}
