// Collects the (row, value) pairs of one property key while a part is written, typed as they
// arrive: strings go straight into a dictionary, numbers into doubles, booleans into bools. The
// first value of another type turns the column raw (ValueCodec for everything). Encoding then
// picks the narrowest form that reproduces every value exactly (see PropertyValues for tags).

import ApusModel

/// Accumulates one property column and encodes it.
package struct PropertyColumnBuilder {
    private enum Kind { case empty, strings, numbers, booleans, raw }

    package private(set) var rows: [UInt32] = []
    private var kind = Kind.empty
    private var strings = DictionaryColumn.Builder()
    private var numbers: [Double] = []
    private var booleans: [UInt32] = []
    private var raw: [JSONValue] = []

    package init() {}

    /// Appends the value of `row` (rows must arrive in non-decreasing order).
    @inline(__always)
    package mutating func append(row: UInt32, _ value: JSONValue) {
        assert(rows.last.map { $0 <= row } ?? true, "rows must not decrease")
        rows.append(row)
        switch (kind, value) {
        case (.strings, .string(let s)): strings.append(s)
        case (.numbers, .number(let d)): numbers.append(d)
        case (.booleans, .bool(let b)): booleans.append(b ? 1 : 0)
        case (.raw, _): raw.append(value)
        case (.empty, .string(let s)): kind = .strings; strings.append(s)
        case (.empty, .number(let d)): kind = .numbers; numbers.append(d)
        case (.empty, .bool(let b)): kind = .booleans; booleans.append(b ? 1 : 0)
        default:
            raw = typedValues()
            raw.append(value)
            kind = .raw
            strings = DictionaryColumn.Builder()
            numbers = []
            booleans = []
        }
    }

    /// The values appended so far, as JSON (used when a column turns raw).
    private func typedValues() -> [JSONValue] {
        switch kind {
        case .empty: []
        case .strings: strings.build().dictionaryValues.map { JSONValue.string($0) }
        case .numbers: numbers.map { JSONValue.number($0) }
        case .booleans: booleans.map { JSONValue.bool($0 != 0) }
        case .raw: raw
        }
    }

    /// Writes the column (PropertyColumn layout) for a part of `rowCount` rows.
    package func encode(rowCount: Int, into w: inout BinaryWriter) {
        let dense = rows.count == rowCount && rows.elementsEqual(0..<UInt32(rowCount))
        w.u8(dense ? 0 : 1)
        w.varint(UInt64(rows.count))
        if !dense { DeltaCoding.encodeRows(rows, into: &w) }
        switch kind {
        case .strings:
            let column = strings.build()
            if column.dictionary.count * 2 > column.count {
                w.u8(PropertyValues.Tag.plainStrings.rawValue)
                for id in column.ids { w.string(column.dictionary[Int(id)]) }
            } else {
                w.u8(PropertyValues.Tag.dictionaryStrings.rawValue)
                column.encode(into: &w)
            }
        case .numbers where numbers.allSatisfy(Self.isExactInteger):
            w.u8(PropertyValues.Tag.integers.rawValue)
            for d in numbers { w.zigzag(Int64(d)) }
        case .numbers:
            w.u8(PropertyValues.Tag.doubles.rawValue)
            for d in numbers { w.f64(d) }
        case .booleans:
            w.u8(PropertyValues.Tag.booleans.rawValue)
            BitPacking.encode(booleans, width: 1, into: &w)
        case .raw, .empty:
            w.u8(PropertyValues.Tag.raw.rawValue)
            for v in raw { ValueCodec.encode(v, into: &w) }
        }
    }

    /// True when `d` survives the integer form unchanged (ValueCodec uses the same rule).
    @inline(__always)
    static func isExactInteger(_ d: Double) -> Bool {
        d == d.rounded(.towardZero) && abs(d) < 9_007_199_254_740_992 && !(d == 0 && d.sign == .minus)
    }
}

extension DictionaryColumn {
    /// Every value as a string, in order.
    var dictionaryValues: [String] { ids.map { dictionary[Int($0)] } }
}
