// Events in their binary record form (EventCodec), back to back in one buffer: what ingestion
// hands the store. Ingest writes records straight from the request's JSON (no `Event` per row);
// the store copies them into a WAL frame and its memtable as they are.

import ApusModel

/// A batch of event records, each in `EventCodec`'s layout.
package struct EventRecords: Sendable {
    /// The records' bytes, back to back. Write to it only between `beginRecord` and
    /// `commitRecord`.
    package var writer: BinaryWriter
    /// Where each record lies in `bytes`.
    package private(set) var ranges: [Range<Int>] = []
    private var openedAt: Int?

    package init(capacity: Int = 4096) {
        writer = BinaryWriter(capacity: capacity)
    }

    /// Records encoded from `events`.
    package init(_ events: [Event]) {
        self.init(capacity: events.count * 320)
        for e in events { append(e) }
    }

    package var bytes: [UInt8] { writer.bytes }
    package var count: Int { ranges.count }
    package var isEmpty: Bool { ranges.isEmpty }

    /// Encodes one event as the next record.
    package mutating func append(_ event: Event) {
        let start = writer.count
        EventCodec.encode(event, into: &writer)
        ranges.append(start..<writer.count)
    }

    /// Appends a record given as bytes already in the record layout.
    package mutating func append(record: some Collection<UInt8>) {
        let start = writer.count
        writer.raw(record)
        ranges.append(start..<writer.count)
    }

    /// Starts a record written piece by piece through `writer`; `commitRecord` ends it and
    /// `abandonRecord` drops what was written since.
    package mutating func beginRecord() {
        openedAt = writer.count
    }

    package mutating func commitRecord() {
        guard let start = openedAt else { return }
        ranges.append(start..<writer.count)
        openedAt = nil
    }

    package mutating func abandonRecord() {
        guard let start = openedAt else { return }
        writer.truncate(to: start)
        openedAt = nil
    }

    /// The records `indexes` (in that order) as a batch of their own.
    package func selecting(_ indexes: some Collection<Int>) -> EventRecords {
        var out = EventRecords(capacity: indexes.reduce(0) { $0 + ranges[$1].count })
        writer.bytes.withUnsafeBufferPointer { all in
            for i in indexes { out.append(record: UnsafeBufferPointer(rebasing: all[ranges[i]])) }
        }
        return out
    }

    /// Record `i` decoded.
    package func event(at i: Int) throws(DecodeFailure) -> Event {
        let range = ranges[i]
        let result: Result<Event, DecodeFailure> = writer.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf, start: range.lowerBound, end: range.upperBound)
            do throws(DecodeFailure) {
                let e = try EventCodec.decode(&r)
                guard r.isAtEnd else { return .failure(DecodeFailure(offset: r.offset, reason: "trailing bytes after event")) }
                return .success(e)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Every record decoded.
    package func events() throws(DecodeFailure) -> [Event] {
        var out: [Event] = []
        out.reserveCapacity(count)
        for i in ranges.indices { out.append(try event(at: i)) }
        return out
    }
}
