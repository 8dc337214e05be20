// The binary form of one event: the record inside a WAL frame and inside the memtable.
// Layout (see docs/on-disk-format.md): zigzag time ms, name, distinct id, insert id,
// varint property count, then (key, value) pairs in arrival order.

import ApusModel

/// Encodes and decodes `Event` in the compact binary record form.
package enum EventCodec {
    package static func encode(_ e: Event, into w: inout BinaryWriter) {
        w.zigzag(e.timeMs)
        w.string(e.name)
        w.string(e.distinctId)
        w.string(e.insertId)
        w.varint(UInt64(e.properties.count))
        for m in e.properties {
            w.string(m.key)
            ValueCodec.encode(m.value, into: &w)
        }
    }

    package static func encode(_ e: Event) -> [UInt8] {
        var w = BinaryWriter(capacity: 256)
        encode(e, into: &w)
        return w.bytes
    }

    package static func decode(_ r: inout BinaryReader) throws(DecodeFailure) -> Event {
        let time = try r.zigzag()
        let name = try r.string()
        let distinct = try r.string()
        let insert = try r.string()
        let n = try r.length()
        var props: [JSONMember] = []
        props.reserveCapacity(n)
        for _ in 0..<n {
            let key = try r.string()
            props.append(JSONMember(key, try ValueCodec.decode(&r)))
        }
        return Event(name: name, distinctId: distinct, timeMs: time, insertId: insert, properties: props)
    }

    /// Walks one record without building anything: throws where it does not follow the layout.
    package static func check(_ r: inout BinaryReader) throws(DecodeFailure) {
        _ = try r.zigzag()
        for _ in 0..<3 { try r.skipString() }
        let n = try r.length()
        for _ in 0..<n {
            try r.skipString()
            try ValueCodec.skip(&r)
        }
    }

    /// Checks that every record of `records` follows the layout exactly.
    package static func check(_ records: EventRecords) throws(DecodeFailure) {
        let result: Result<Void, DecodeFailure> = records.bytes.withUnsafeBytes { buf in
            for range in records.ranges {
                var r = BinaryReader(buf, start: range.lowerBound, end: range.upperBound)
                do throws(DecodeFailure) {
                    try check(&r)
                    guard r.isAtEnd else { return .failure(DecodeFailure(offset: r.offset, reason: "trailing bytes after event")) }
                } catch {
                    return .failure(error)
                }
            }
            return .success(())
        }
        try result.get()
    }

    package static func decode(_ bytes: [UInt8]) throws(DecodeFailure) -> Event {
        let result: Result<Event, DecodeFailure> = bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            do throws(DecodeFailure) {
                let e = try decode(&r)
                guard r.isAtEnd else { return .failure(DecodeFailure(offset: r.offset, reason: "trailing bytes after event")) }
                return .success(e)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
