// Flush cost, the other half of ingestion: memtable records (binary) laid out as one columnar
// part per day. First the steps alone (records decoded into events, then encoded; in process,
// no disk sync), then the store's own flush of the same records (read in place into columns,
// user ids made durable, parts written and synced), as a server runs it.

import ApusModel
import ApusStore
import ApusStoreCore
import ApusTesting
import Foundation
import Logging

enum FlushRun {
    static func measure(events count: Int) throws {
        var g = WorkloadGenerator(seed: 7)
        let events = (0..<count).map { _ in g.nextEvent() }
        var chunks: [MemtableChunk] = []
        var seq: UInt64 = 1
        for start in stride(from: 0, to: count, by: 2000) {
            let payload = WALPayload(receivedMs: 0, events: Array(events[start..<min(count, start + 2000)]))
            chunks.append(MemtableChunk(firstSeq: seq, receivedMs: 0, bytes: payload.bytes, ranges: payload.recordRanges))
            seq += UInt64(payload.count)
        }
        let t0 = Date()
        var byDay: [Int32: [StoredEvent]] = [:]
        for chunk in chunks {
            for i in 0..<chunk.count {
                let e = try chunk.event(at: i)
                byDay[e.day, default: []].append(e)
            }
        }
        let t1 = Date()
        var bytes = 0
        var columns: [String: Int] = [:]
        var table = UserIdTable()
        let dir = NSTemporaryDirectory() + "apus-flush-bench-\(UUID().uuidString)"
        try POSIXFileSystem().makeDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (day, dayEvents) in byDay {
            let uids = dayEvents.map { e -> UInt32 in
                if let u = table.uid(of: e.event.distinctId) { return u }
                var id = e.event.distinctId
                return id.withUTF8 { table.append(UnsafeRawBufferPointer($0)) }
            }
            let order = dayEvents.indices.sorted { (uids[$0], dayEvents[$0].event.timeMs, dayEvents[$0].seq) < (uids[$1], dayEvents[$1].event.timeMs, dayEvents[$1].seq) }
            var blocks: [EventBlock] = []
            var builder = EventBlockBuilder(day: day, request: .everything(days: day...day))
            for i in order {
                builder.append(uid: uids[i], seq: dayEvents[i].seq, event: dayEvents[i].event)
                if builder.isFull { blocks.append(builder.build()); builder = EventBlockBuilder(day: day, request: .everything(days: day...day)) }
            }
            if builder.count > 0 { blocks.append(builder.build()) }
            let path = dir + "/\(day).part"
            try BlockPartWriter(project: 1, day: day, fs: POSIXFileSystem()).write(blocks, to: path)
            bytes += try POSIXFileSystem().readAll(path).count
            let part = try BlockPart(path: path, fs: POSIXFileSystem(), cache: BlockCache(bytesMax: 1 << 20))
            for (k, v) in part.columnBytes() { columns[k, default: 0] += v }
        }
        let t2 = Date()
        let decode = t1.timeIntervalSince(t0), encode = t2.timeIntervalSince(t1)
        print(String(format: "flush of %d events: decode %.2f s (%.0f rows/s), part encode %.2f s (%.0f rows/s), %.1f bytes/row",
                     count, decode, Double(count) / decode, encode, Double(count) / encode, Double(bytes) / Double(count)))
        for (k, v) in columns.sorted(by: { $0.value > $1.value }).prefix(14) {
            print(String(format: "  %-28@ %6.2f bytes/row", k as NSString, Double(v) / Double(count)))
        }
        try measureStoreFlush(events)
    }

    /// The embedded store's flush of `events`, appended first in batches of 2000.
    static func measureStoreFlush(_ events: [Event]) throws {
        let dir = NSTemporaryDirectory() + "apus-flush-store-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = StoreConfiguration(dataDirectory: dir)
        config.flushRowsMax = Int.max
        config.flushBytesMax = Int.max
        let store = try EmbeddedEventStore(configuration: config, logger: Logger(label: "flush-bench"))
        defer { store.close() }
        try store.openProject(1)
        let done = DispatchSemaphore(value: 0)
        Task {
            for start in stride(from: 0, to: events.count, by: 2000) {
                _ = try? await store.append(events: Array(events[start..<min(events.count, start + 2000)]), to: 1, receivedMs: 0)
            }
            done.signal()
        }
        done.wait()
        let t = Date()
        store.flushAll()
        let seconds = Date().timeIntervalSince(t)
        print(String(format: "store flush of %d events (records read in place, parts synced): %.2f s (%.0f rows/s)",
                     events.count, seconds, Double(events.count) / seconds))
    }
}
