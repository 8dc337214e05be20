// The binary form of a property value, used in WAL records and in raw-value columns of parts.
// Tags (one byte) are part of the on-disk format: see docs/on-disk-format.md. Never renumber.

import ApusModel

/// Tags of the binary value encoding.
package enum ValueTag: UInt8 {
    case null = 0
    case `false` = 1
    case `true` = 2
    /// 8-byte little-endian IEEE double.
    case double = 3
    /// An integral double in ±2^53, as zigzag varint.
    case integer = 4
    /// varint byte length + UTF-8.
    case string = 5
    /// varint count + values.
    case array = 6
    /// varint count + (string key, value) pairs.
    case object = 7
}

/// Encodes and decodes `JSONValue` in the compact binary form.
package enum ValueCodec {
    /// Nesting deeper than this is refused when reading (the ingest limit is far lower).
    package static let depthMax = 64

    /// `d` as an integer when it is one exactly (within ±2^53, and not -0): numbers are
    /// stored as integers then, else as doubles.
    @inlinable @inline(__always)
    package static func exactInteger(_ d: Double) -> Int64? {
        d == d.rounded(.towardZero) && abs(d) < 9_007_199_254_740_992 && !(d == 0 && d.sign == .minus) ? Int64(d) : nil
    }

    package static func encode(_ value: JSONValue, into w: inout BinaryWriter) {
        switch value {
        case .null: w.u8(ValueTag.null.rawValue)
        case .bool(let b): w.u8(b ? ValueTag.true.rawValue : ValueTag.false.rawValue)
        case .number(let d):
            if let i = exactInteger(d) {
                w.u8(ValueTag.integer.rawValue)
                w.zigzag(i)
            } else {
                w.u8(ValueTag.double.rawValue)
                w.f64(d)
            }
        case .string(let s):
            w.u8(ValueTag.string.rawValue)
            w.string(s)
        case .array(let items):
            w.u8(ValueTag.array.rawValue)
            w.varint(UInt64(items.count))
            for item in items { encode(item, into: &w) }
        case .object(let members):
            w.u8(ValueTag.object.rawValue)
            w.varint(UInt64(members.count))
            for m in members {
                w.string(m.key)
                encode(m.value, into: &w)
            }
        }
    }

    /// Moves past one value without building it.
    package static func skip(_ r: inout BinaryReader, depth: Int = 0) throws(DecodeFailure) {
        if depth > depthMax { throw DecodeFailure(offset: r.offset, reason: "value nested deeper than \(depthMax)") }
        let at = r.offset
        guard let tag = ValueTag(rawValue: try r.u8()) else {
            throw DecodeFailure(offset: at, reason: "unknown value tag")
        }
        switch tag {
        case .null, .false, .true: return
        case .double: _ = try r.f64()
        case .integer: _ = try r.zigzag()
        case .string: try r.skipString()
        case .array:
            let n = try r.length()
            for _ in 0..<n { try skip(&r, depth: depth + 1) }
        case .object:
            let n = try r.length()
            for _ in 0..<n {
                try r.skipString()
                try skip(&r, depth: depth + 1)
            }
        }
    }

    /// Appends the compact JSON text of the value at the reader's position, exactly as
    /// `JSONWriter` writes its decoded form, without building that form (lists and objects
    /// in column blocks are kept as such text).
    package static func writeJSON(_ r: inout BinaryReader, into out: inout [UInt8], depth: Int = 0) throws(DecodeFailure) {
        if depth > depthMax { throw DecodeFailure(offset: r.offset, reason: "value nested deeper than \(depthMax)") }
        let at = r.offset
        guard let tag = ValueTag(rawValue: try r.u8()) else {
            throw DecodeFailure(offset: at, reason: "unknown value tag")
        }
        switch tag {
        case .null: out.append(contentsOf: "null".utf8)
        case .false: out.append(contentsOf: "false".utf8)
        case .true: out.append(contentsOf: "true".utf8)
        case .double: JSONWriter.writeNumber(try r.f64(), into: &out)
        case .integer: JSONWriter.writeNumber(Double(try r.zigzag()), into: &out)
        case .string: try writeString(&r, into: &out)
        case .array:
            let n = try r.length()
            out.append(.openBracket)
            for i in 0..<n {
                if i > 0 { out.append(.comma) }
                try writeJSON(&r, into: &out, depth: depth + 1)
            }
            out.append(.closeBracket)
        case .object:
            let n = try r.length()
            out.append(.openBrace)
            for i in 0..<n {
                if i > 0 { out.append(.comma) }
                try writeString(&r, into: &out)
                out.append(.colon)
                try writeJSON(&r, into: &out, depth: depth + 1)
            }
            out.append(.closeBrace)
        }
    }

    /// A length-prefixed string as a JSON string literal; checked as UTF-8 as `decode` checks it.
    private static func writeString(_ r: inout BinaryReader, into out: inout [UInt8]) throws(DecodeFailure) {
        let at = r.offset
        let bytes = try r.bytes()
        if bytes.allSatisfy({ $0 < 0x80 }) {
            JSONWriter.writeString(utf8: bytes, into: &out)
        } else {
            r.offset = at
            JSONWriter.writeString(try r.string(), into: &out)
        }
    }

    package static func decode(_ r: inout BinaryReader, depth: Int = 0) throws(DecodeFailure) -> JSONValue {
        if depth > depthMax { throw DecodeFailure(offset: r.offset, reason: "value nested deeper than \(depthMax)") }
        let at = r.offset
        guard let tag = ValueTag(rawValue: try r.u8()) else {
            throw DecodeFailure(offset: at, reason: "unknown value tag")
        }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .double: return .number(try r.f64())
        case .integer: return .number(Double(try r.zigzag()))
        case .string: return .string(try r.string())
        case .array:
            let n = try r.length()
            var items: [JSONValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try decode(&r, depth: depth + 1)) }
            return .array(items)
        case .object:
            let n = try r.length()
            var members: [JSONMember] = []
            members.reserveCapacity(n)
            for _ in 0..<n {
                let key = try r.string()
                members.append(JSONMember(key, try decode(&r, depth: depth + 1)))
            }
            return .object(members)
        }
    }
}
