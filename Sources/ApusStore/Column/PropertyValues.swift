// The values of one property column, stored by type. Tags (one byte, part of the on-disk format,
// never renumber):
//   1 strings, dictionary: DictionaryColumn (entries + bit-packed ids)
//   2 strings, plain: each value as varint length + UTF-8 (chosen when most values are distinct)
//   3 integers: every value an integral double within ±2^53 (and not -0), as zigzag varints
//   4 doubles: 8-byte little-endian IEEE bit patterns
//   5 booleans: bit-packed at width 1 (see BitPacking)
//   6 raw: each value in the ValueCodec encoding (null, arrays, objects, mixed types)

import ApusModel

/// The typed values of a property column.
package enum PropertyValues: Sendable, Equatable {
    /// String values; plain-stored strings decode to a dictionary with one entry per value.
    case strings(DictionaryColumn)
    /// Numbers that are all integral (exact as `Double`).
    case integers([Int64])
    /// Numbers, at least one not integral.
    case doubles([Double])
    /// Booleans.
    case booleans([Bool])
    /// Anything else, or a mix of types.
    case raw([JSONValue])

    /// The on-disk tag values.
    package enum Tag: UInt8 {
        case dictionaryStrings = 1, plainStrings = 2, integers = 3, doubles = 4, booleans = 5, raw = 6
    }

    /// The number of values.
    package var count: Int {
        switch self {
        case .strings(let c): c.count
        case .integers(let v): v.count
        case .doubles(let v): v.count
        case .booleans(let v): v.count
        case .raw(let v): v.count
        }
    }

    /// Value `i` as JSON.
    @inline(__always)
    package func value(at i: Int) -> JSONValue {
        switch self {
        case .strings(let c): .string(c[i])
        case .integers(let v): .number(Double(v[i]))
        case .doubles(let v): .number(v[i])
        case .booleans(let v): .bool(v[i])
        case .raw(let v): v[i]
        }
    }

    /// Reads values written by `PropertyColumnBuilder`, `count` of them.
    package static func decode(_ r: inout BinaryReader, count: Int) throws(DecodeFailure) -> PropertyValues {
        let at = r.offset
        guard let tag = Tag(rawValue: try r.u8()) else { throw DecodeFailure(offset: at, reason: "unknown value type tag") }
        switch tag {
        case .dictionaryStrings:
            return .strings(try DictionaryColumn.decode(&r, count: count))
        case .plainStrings:
            try require(&r, count: count, bytesEach: 1)
            var strings: [String] = []
            strings.reserveCapacity(count)
            for _ in 0..<count { strings.append(try r.string()) }
            return .strings(DictionaryColumn(dictionary: strings, ids: (0..<UInt32(count)).map { $0 }))
        case .integers:
            try require(&r, count: count, bytesEach: 1)
            var values: [Int64] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try r.zigzag()) }
            return .integers(values)
        case .doubles:
            try require(&r, count: count, bytesEach: 8)
            var values: [Double] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try r.f64()) }
            return .doubles(values)
        case .booleans:
            return .booleans(try BitPacking.decode(&r, count: count, bound: 2).map { $0 != 0 })
        case .raw:
            try require(&r, count: count, bytesEach: 1)
            var values: [JSONValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try ValueCodec.decode(&r)) }
            return .raw(values)
        }
    }

    @inline(__always)
    private static func require(_ r: inout BinaryReader, count: Int, bytesEach: Int) throws(DecodeFailure) {
        guard count >= 0, count <= r.remaining / bytesEach else {
            throw DecodeFailure(offset: r.offset, reason: "\(count) values cannot fit in \(r.remaining) bytes")
        }
    }
}
