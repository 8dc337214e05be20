// IP geolocation from a MaxMind DB file (DB-IP City Lite, GeoLite2 City, or any database with
// the same city layout) through libmaxminddb. The file is opened once, read-only; lookups from
// any thread are safe (the library keeps no per-lookup state in the database handle).

import CMaxMindDB
#if canImport(Glibc)
import Glibc
#endif

/// A `GeoLocator` over a `.mmdb` city database.
package final class MaxMindGeoLocator: GeoLocator, @unchecked Sendable {
    private var db = MMDB_s()

    /// Opens `path`; nil (with the reason) when it is not a readable MaxMind DB.
    package init(path: String) throws(GeoLocatorError) {
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), &db)
        guard status == MMDB_SUCCESS else {
            throw GeoLocatorError(message: "\(path) is not a readable MaxMind DB: \(String(cString: MMDB_strerror(status)))")
        }
    }

    deinit { MMDB_close(&db) }

    package func locate(ip: String) -> GeoLocation? {
        var gaiError: Int32 = 0, mmdbError: Int32 = 0
        var result = MMDB_lookup_string(&db, ip, &gaiError, &mmdbError)
        guard gaiError == 0, mmdbError == MMDB_SUCCESS, result.found_entry else { return nil }
        let location = GeoLocation(city: string(&result.entry, ["city", "names", "en"]),
                                   region: string(&result.entry, ["subdivisions", "0", "names", "en"]),
                                   countryCode: string(&result.entry, ["country", "iso_code"]))
        return location.city == nil && location.region == nil && location.countryCode == nil ? nil : location
    }

    /// The UTF-8 string at `path` in an entry, if there is one.
    private func string(_ entry: inout MMDB_entry_s, _ path: [String]) -> String? {
        var data = MMDB_entry_data_s()
        // The path as a NULL-terminated array of C strings.
        let cStrings = path.map { strdup($0) } + [nil]
        defer { for p in cStrings { free(p) } }
        let status = cStrings.withUnsafeBufferPointer { buffer in
            MMDB_aget_value(&entry, &data, UnsafePointer(buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { $0 }))
        }
        guard status == MMDB_SUCCESS, data.has_data, data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING),
              let bytes = data.utf8_string else { return nil }
        let buffer = UnsafeRawBufferPointer(start: bytes, count: Int(data.data_size))
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// A geolocation database that could not be opened.
package struct GeoLocatorError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { "geoip_database: \(message)" }
}
