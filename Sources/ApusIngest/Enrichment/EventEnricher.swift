// Server-side additions to an accepted event (spec §1.7.2), after validation:
// `$import: true` on /import, `mp_processing_time_ms` on every event, and location from the
// event's `ip` property or the request IP when a GeoLocator is configured. Values the client
// set itself (`$city`, `$region`, `mp_country_code`) win over the lookup.

import ApusModel

/// Adds server-side properties to validated events.
struct EventEnricher: Sendable {
    var endpoint: IngestEndpoint
    var nowMs: Int64
    var requestIP: String?
    var useRequestIP: Bool
    var geoLocator: (any GeoLocator)?

    init(_ context: EventValidationContext) {
        endpoint = context.endpoint
        nowMs = context.nowMs
        requestIP = context.requestIP
        useRequestIP = context.useRequestIP
        geoLocator = context.geoLocator
    }

    /// Appends the server's properties to `properties`. `ipProperty` is the event's `ip` (or
    /// `$ip`) value, already removed from `properties`: a string address to locate, `0`/`"0"`
    /// to turn geolocation off, or nil to fall back to the request IP when `useRequestIP`.
    func enrich(_ properties: inout [JSONMember], ipProperty: JSONValue?) {
        if let geoLocator, let ip = ipToLocate(ipProperty), let location = geoLocator.locate(ip: ip) {
            addUnlessPresent("$city", location.city, to: &properties)
            addUnlessPresent("$region", location.region, to: &properties)
            addUnlessPresent("mp_country_code", location.countryCode, to: &properties)
        }
        if endpoint == .importEvents {
            properties.append(JSONMember("$import", .bool(true)))
        }
        properties.append(JSONMember("mp_processing_time_ms", .number(Double(nowMs))))
    }

    /// The address to locate, if any.
    func ipToLocate(_ ipProperty: JSONValue?) -> String? {
        switch ipProperty {
        case .string(let s)?:
            let ip = String(s.trimmingSpaces)
            return ip.isEmpty || ip == "0" ? nil : ip
        case .number?, .bool(false)?, .null?:
            return nil // `ip: 0` (or false/null) means "do not geolocate"
        case nil, .bool(true)?, .array?, .object?:
            return useRequestIP ? requestIP : nil
        }
    }

    private func addUnlessPresent(_ key: String, _ value: String?, to properties: inout [JSONMember]) {
        guard let value, properties[key: key] == nil else { return }
        properties.append(JSONMember(key, .string(value)))
    }
}
