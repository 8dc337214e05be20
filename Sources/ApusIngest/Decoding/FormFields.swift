// application/x-www-form-urlencoded, as every SDK sends `data=…&verbose=1` (spec §1.1 A, B, C, E).
// The `data` value can be megabytes, so it stays bytes and is left percent-encoded: the base64
// decoder undoes `%2B`/`%2F`/`%3D` as it goes, saving a pass over the largest field of the
// most common request (mixpanel-js toward a self-hosted host). Every other field becomes a String.

/// The fields of a form-urlencoded text, with `data` kept apart as bytes.
struct FormFields {
    /// The first `data` field's value, still percent-encoded (see `PercentDecoding`).
    var data: [UInt8]?
    /// Every other field in order, percent-decoded (invalid UTF-8 is replaced with U+FFFD).
    var fields: [(name: String, value: String)] = []

    /// Parses `name=value&name=value`. Empty segments are skipped; a name without `=` has an empty value.
    init(parsing bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        let n = bytes.count
        while start <= n {
            var end = start
            while end < n, bytes[end] != .ampersand { end += 1 }
            if end > start {
                add(UnsafeBufferPointer(rebasing: bytes[start ..< end]))
            }
            start = end + 1
        }
    }

    /// Parses a query string.
    init(parsing query: String) {
        var bytes = Array(query.utf8)
        if bytes.first == .questionMark { bytes.removeFirst() }
        self = bytes.withUnsafeBufferPointer { FormFields(parsing: $0) }
    }

    private mutating func add(_ pair: UnsafeBufferPointer<UInt8>) {
        var equals = 0
        while equals < pair.count, pair[equals] != .equals { equals += 1 }
        let name = PercentDecoding.decode(UnsafeBufferPointer(rebasing: pair[0 ..< equals]))
        let valueStart = min(equals + 1, pair.count)
        let rawValue = UnsafeBufferPointer(rebasing: pair[valueStart...])
        if name.elementsEqual("data".utf8) {
            if data == nil { data = Array(rawValue) }
            return
        }
        fields.append((
            String(decoding: name, as: UTF8.self),
            String(decoding: PercentDecoding.decode(rawValue), as: UTF8.self)
        ))
    }
}
