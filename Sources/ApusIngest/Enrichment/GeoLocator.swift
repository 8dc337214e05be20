// The seam for IP geolocation (spec §1.7.2: `$city`, `$region`, `mp_country_code`). No locator
// ships yet; until one is plugged in, events carry no location and the IP is still never stored.

/// Looks up where an IP address is.
package protocol GeoLocator: Sendable {
    /// The location of `ip`, or nil when unknown.
    func locate(ip: String) -> GeoLocation?
}

/// A geolocation result. Each part may be unknown.
package struct GeoLocation: Sendable, Equatable {
    /// City name (`$city`).
    package var city: String?
    /// Region or state (`$region`).
    package var region: String?
    /// ISO 3166-1 alpha-2 country code (`mp_country_code`).
    package var countryCode: String?

    /// Creates a location.
    package init(city: String? = nil, region: String? = nil, countryCode: String? = nil) {
        self.city = city
        self.region = region
        self.countryCode = countryCode
    }
}
