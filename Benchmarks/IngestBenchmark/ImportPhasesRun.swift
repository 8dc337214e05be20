// `apus import`'s steps one at a time, on one thread, over the first events of a file held in
// memory: split into records, decode (/import's rules, straight to store records), prepare
// (times and distinct ids), and sort + build the day's blocks. Each step is timed alone, best of
// three, so a change to one step shows in its own line rather than in the noise of a whole run.

import ApusIngest
import ApusModel
import ApusStore
import ApusStoreCore
import Foundation

enum ImportPhasesRun {
    static func measure(file: String, events: Int) throws {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw CocoaError(.fileNoSuchFile) }
        // The first `events` lines.
        var bytes: [UInt8] = []
        var lines = 0
        while lines < events, let chunk = try handle.read(upToCount: 8 << 20), !chunk.isEmpty {
            for b in chunk where lines < events {
                bytes.append(b)
                if b == 0x0A { lines += 1 }
            }
        }
        print("import phases: \(lines) events, \(bytes.count / max(1, lines)) bytes/event, one thread, best of 3")

        func best<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            var result: T? = nil
            var times: [Double] = []
            for _ in 0..<3 {
                let start = Date()
                result = try body()
                times.append(Date().timeIntervalSince(start))
            }
            let t = times.min()!
            print("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %7.3f s  %6.2f µs/event  %5.0fk events/s", t, t * 1e6 / Double(lines), Double(lines) / t / 1000))
            return result!
        }

        let batches: [RecordBatch] = best("split") {
            var splitter = RecordSplitter(recordBytesMax: IngestLimits.standard.recordBytesMax)
            var out: [RecordBatch] = []
            bytes.withUnsafeBufferPointer { all in
                var at = 0
                while at < all.count {
                    let n = min(4 << 20, all.count - at)
                    out += splitter.feed(UnsafeBufferPointer(rebasing: all[at..<(at + n)]))
                    at += n
                }
            }
            if let last = splitter.finish() { out.append(last) }
            return out
        }
        let decoder = ImportBatchDecoder(project: 1, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let decoded = best("decode (transcode)") { batches.map { decoder.decode($0) } }
        let prepared = try best("prepare") { try decoded.map { try BulkLoader.prepare($0.records, heads: $0.heads) } }
        // Uids as the loader gives them: dense, in order of first appearance.
        var uidOf: [String: UInt32] = [:]
        var rowsByDay: [Int32: [BufferedRow]] = [:]
        var batchesByNumber: [UInt32: RecordArena] = [:]
        var seq: UInt64 = 1
        for (b, batch) in prepared.enumerated() {
            batchesByNumber[UInt32(b)] = batch.records
            for i in 0..<batch.count {
                let id = batch.records.string(batch.distinctIds[i])
                let uid = uidOf[id, default: UInt32(uidOf.count)]
                uidOf[id] = uid
                let day = utcDay(ofTimeMs: batch.timesMs[i])
                let ms = UInt64(batch.timesMs[i] - Int64(day) * 86_400_000)
                rowsByDay[day, default: []].append(BufferedRow(key: UInt64(uid) << 32 | ms, seq: seq, batch: UInt32(b), offset: UInt32(batch.records.start(of: i))))
                seq += 1
            }
        }
        let arenas = ArenaTable(batchesByNumber)
        let sorted: [(Int32, [BufferedRow])] = best("sort") {
            rowsByDay.map { day, rows in
                var rows = rows
                BulkLoader.sort(&rows)
                return (day, rows)
            }
        }
        let blocks: [EventBlock] = try best("build blocks") {
            var out: [EventBlock] = []
            for (day, rows) in sorted {
                for start in stride(from: 0, to: rows.count, by: EventBlock.rowsMax) {
                    out.append(try BulkLoader.block(day: day, rows: rows[start..<min(rows.count, start + EventBlock.rowsMax)], arenas: arenas))
                }
            }
            return out
        }
        let directory = NSTemporaryDirectory() + "apus-import-phases-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try best("write parts") {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (i, day) in Set(blocks.map(\.day)).sorted().enumerated() {
                try BlockPartWriter(project: 1, day: day, fs: POSIXFileSystem())
                    .write(blocks.filter { $0.day == day }, to: directory + "/\(i).part")
            }
        }
    }
}
