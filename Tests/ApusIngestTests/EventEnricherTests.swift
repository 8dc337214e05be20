// The geolocation seam: which IP is located, and client-set location winning.

import ApusIngest
import ApusModel
import Testing

/// A locator that knows one address.
struct FakeLocator: GeoLocator {
    func locate(ip: String) -> GeoLocation? {
        ip == "203.0.113.9" ? GeoLocation(city: "Lyon", region: "Auvergne-Rhône-Alpes", countryCode: "FR") : nil
    }
}

struct EventEnricherTests {
    func properties(_ extra: String, useRequestIP: Bool = false, locator: (any GeoLocator)? = FakeLocator()) throws -> [JSONMember] {
        let context = eventContext(requestIP: "203.0.113.9", useRequestIP: useRequestIP, geoLocator: locator)
        return try #require(try validate(Wire.event(extra: extra), context).accepted.first?.event.properties)
    }

    /// Without a locator nothing is added, whatever the IP.
    @Test func addsNoLocationWithoutALocator() throws {
        let props = try properties(#""ip":"203.0.113.9""#, useRequestIP: true, locator: nil)
        #expect(props.map(\.key) == ["mp_processing_time_ms"])
    }

    /// The event's `ip` property is located, and the IP itself is not kept.
    @Test func locatesTheEventsIPProperty() throws {
        let props = try properties(#""ip":"203.0.113.9""#)
        #expect(props[key: "$city"] == .string("Lyon"))
        #expect(props[key: "mp_country_code"] == .string("FR"))
        #expect(props[key: "ip"] == nil)
    }

    /// The request IP is used only with the `ip=1` flag and no `ip` property; `ip: 0` turns it off.
    @Test func usesTheRequestIPOnlyWhenAskedTo() throws {
        #expect(try properties("").contains { $0.key == "$city" } == false)
        #expect(try properties("", useRequestIP: true)[key: "$city"] == .string("Lyon"))
        #expect(try properties(#""ip":0"#, useRequestIP: true)[key: "$city"] == nil)
        #expect(try properties(#""ip":"0""#, useRequestIP: true)[key: "$city"] == nil)
    }

    /// Location the client set itself wins over the lookup.
    @Test func keepsClientSetLocation() throws {
        let props = try properties(#""ip":"203.0.113.9","$city":"Paris""#)
        #expect(props.filter { $0.key == "$city" }.map(\.value) == [.string("Paris")])
        #expect(props[key: "$region"] == .string("Auvergne-Rhône-Alpes"))
    }
}
