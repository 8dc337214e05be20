// IP geolocation through libmaxminddb over MaxMind's test database: city, region and country
// of known test addresses (IPv4 and IPv6), nothing for unknown or malformed ones, and a clear
// error for a file that is not a database.

import ApusIngest
import ApusModel
import Foundation
import Testing

struct GeoLocatorTests {
    static let database = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/GeoLite2-City-Test.mmdb").path

    @Test func locatesTheTestDatabasesAddresses() throws {
        let geo = try MaxMindGeoLocator(path: Self.database)
        #expect(geo.locate(ip: "81.2.69.142") == GeoLocation(city: "London", region: "England", countryCode: "GB"))
        #expect(geo.locate(ip: "89.160.20.115") == GeoLocation(city: "Linköping", region: "Östergötland County", countryCode: "SE"))
        #expect(geo.locate(ip: "2001:218::1")?.countryCode == "JP")
    }

    @Test(arguments: ["127.0.0.1", "10.0.0.1", "not an address", "", "999.1.1.1"])
    func unknownOrMalformedAddressesHaveNoLocation(ip: String) throws {
        #expect(try MaxMindGeoLocator(path: Self.database).locate(ip: ip) == nil)
    }

    @Test func aFileThatIsNotADatabaseIsRefusedWithItsPath() {
        #expect(throws: GeoLocatorError.self) { try MaxMindGeoLocator(path: #filePath) }
        #expect(throws: GeoLocatorError.self) { try MaxMindGeoLocator(path: "/nonexistent/geo.mmdb") }
    }
}

/// Profile updates carry where they came from, for the profile store to set.
struct ProfileGeolocationTests {
    func geo(_ record: String, requestIP: String? = nil, useRequestIP: Bool = false) throws -> JSONValue? {
        let context = eventContext(.engage, requestIP: requestIP, useRequestIP: useRequestIP,
                                   geoLocator: try MaxMindGeoLocator(path: GeoLocatorTests.database))
        let result = ProfileValidator.validate(try records(record), context: context)
        return result.accepted.first?.record[ "$geo"]
    }

    @Test func anUpdatesIPOrTheRequestsIsLocatedAndNeverStored() throws {
        let located = try geo(#"{"$token":"tok","$distinct_id":"u","$ip":"81.2.69.142","$set":{"a":1}}"#)
        #expect(located == .object([JSONMember("$city", .string("London")), JSONMember("$region", .string("England")),
                                    JSONMember("$country_code", .string("GB"))]))
        #expect(try geo(#"{"$token":"tok","$distinct_id":"u","$set":{"a":1}}"#, requestIP: "89.160.20.115", useRequestIP: true)?["$city"]
                == .string("Linköping"))
        #expect(try geo(#"{"$token":"tok","$distinct_id":"u","$set":{"a":1}}"#, requestIP: "89.160.20.115", useRequestIP: false) == nil)
        #expect(try geo(#"{"$token":"tok","$distinct_id":"u","$ip":"0","$set":{"a":1}}"#, requestIP: "89.160.20.115", useRequestIP: true) == nil)
    }
}
