// `apus import` writes day parts directly, skipping the WAL. Work is split so that the one
// serial step is small: workers turn each decoded batch into columnar blocks per UTC day
// (`prepare`, any thread); the loader, in file order, gives the batch its uids and sequence
// numbers (`append`); every `bufferRows` events become one part per day they touch, each day
// sorted and written on its own core; then the flush mark moves past them.
//
// Crash safety is the flush's: uids are durable before the parts that use them, a part appears
// whole or not at all, and parts at or past the mark (a generation cut short) are removed when
// the folder next opens, so a re-run starts that generation again. Re-running a file adds
// nothing: rows with the same dedupe key (event, distinct id, second, `$insert_id`) collapse
// when read and when `finish()` merges each touched day into one part.

import ApusModel
import ApusStoreCore
import Foundation
import Synchronization

/// Events of one batch as columns per day, not yet numbered: in each block `seqs` holds the
/// row's index in the batch and `uids` is unset.
package struct PreparedBatch: Sendable {
    package var blocks: [EventBlock] = []
    /// Each event's distinct id, in batch order.
    package var distinctIds: [String] = []
}

/// Loads events into one project of a store no server holds open.
package final class BulkLoader {
    private let store: EmbeddedEventStore
    private let log: ProjectLog
    private let bufferRows: Int
    static let request = MergingCursor.sourceRequest(.everything(days: Int32.min...Int32.max))
    private var nextSeq: UInt64
    private var buffered: [Int32: [EventBlock]] = [:]
    private var bufferedRows = 0
    private var daysTouched = Set<Int32>()
    /// Events made durable so far.
    package private(set) var rowsWritten = 0
    package private(set) var partsWritten = 0
    /// After a failed write the loader takes nothing more (numbers were spent on lost rows).
    private var failed = false

    /// Opens `project` for loading: flushes whatever its WAL holds first, so the parts written
    /// here come after every acknowledged event.
    package init(store: EmbeddedEventStore, project: ProjectID, bufferRows: Int = 2_000_000) throws(StoreError) {
        self.store = store
        self.bufferRows = max(1, bufferRows)
        try store.openProject(project)
        store.flushAll()
        log = try store.log(project)
        let s = log.snapshot()
        guard s.chunks.isEmpty else {
            throw StoreError(.io, "the project's write-ahead log could not be flushed into parts before the import; check the data folder's free space and permissions")
        }
        nextSeq = s.nextSeq
    }

    /// Lays `events` out as blocks per day (any thread).
    package static func prepare(_ events: [Event]) throws(StoreError) -> PreparedBatch {
        try prepare(EventRecords(events))
    }

    /// Lays event records out as blocks per day (any thread), reading each record in place.
    package static func prepare(_ records: EventRecords) throws(StoreError) -> PreparedBatch {
        var batch = PreparedBatch()
        batch.distinctIds.reserveCapacity(records.count)
        let result: Result<Void, DecodeFailure> = records.bytes.withUnsafeBytes { all in
            do throws(DecodeFailure) {
                // Rows by day first, then one builder at a time held in a local (a builder kept
                // in a dictionary is copied whole each time it is read there).
                var rowsByDay: [Int32: [Int]] = [:]
                for (i, range) in records.ranges.enumerated() {
                    var r = BinaryReader(all, start: range.lowerBound, end: range.upperBound)
                    let time = try r.zigzag()
                    _ = try r.bytes() // name
                    batch.distinctIds.append(String(decoding: try r.bytes(), as: UTF8.self))
                    rowsByDay[utcDay(ofTimeMs: time), default: []].append(i)
                }
                for day in rowsByDay.keys.sorted() {
                    var builder = EventBlockBuilder(day: day, request: request)
                    for i in rowsByDay[day]! {
                        try builder.append(uid: 0, seq: UInt64(i), record: UnsafeRawBufferPointer(rebasing: all[records.ranges[i]]))
                        if builder.isFull {
                            batch.blocks.append(builder.build())
                            builder = EventBlockBuilder(day: day, request: request)
                        }
                    }
                    if builder.count > 0 { batch.blocks.append(builder.build()) }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        do throws(DecodeFailure) {
            try result.get()
        } catch {
            throw StoreError(.invalidRecord, "an event record to import is malformed at byte \(error.offset) (\(error.reason)); nothing was imported from its batch")
        }
        return batch
    }

    /// Adds a prepared batch (in file order: of two events with one dedupe key, the later wins).
    package func append(_ batch: PreparedBatch) throws(StoreError) {
        guard !failed else { throw StoreError(.unavailable, "an earlier write of this import failed") }
        guard !batch.distinctIds.isEmpty else { return }
        let uids = try log.userIds.uids(for: batch.distinctIds)
        let base = nextSeq
        for var block in batch.blocks {
            block.uids = block.seqs.map { uids[Int($0)] }
            block.seqs = block.seqs.map { base + $0 }
            buffered[block.day, default: []].append(block)
        }
        nextSeq += UInt64(batch.distinctIds.count)
        bufferedRows += batch.distinctIds.count
        if bufferedRows >= bufferRows { try writeGeneration() }
    }

    /// Adds events (in file order) on the calling thread.
    package func append(_ events: [Event]) throws(StoreError) {
        try append(try Self.prepare(events))
    }

    /// Writes what is buffered, then merges every day this load touched into one part.
    package func finish() throws(StoreError) {
        try writeGeneration()
        store.compact(log, days: daysTouched)
    }

    /// A day's buffered rows as blocks sorted by (uid, time, seq).
    static func sorted(day: Int32, _ blocks: [EventBlock]) -> [EventBlock] {
        struct Key {
            var uid: UInt32
            var input: Int32
            var row: Int32
            var time: Int64
            var seq: UInt64
        }
        var keys: [Key] = []
        keys.reserveCapacity(blocks.reduce(0) { $0 + $1.count })
        for (i, b) in blocks.enumerated() {
            for r in 0..<b.count { keys.append(Key(uid: b.uids[r], input: Int32(i), row: Int32(r), time: b.timesMs[r], seq: b.seqs[r])) }
        }
        keys.sort { ($0.uid, $0.time, $0.seq) < ($1.uid, $1.time, $1.seq) }
        let picks = keys.map { BlockGather.Pick(input: $0.input, row: $0.row) }
        // One gather over every input (its cost grows with the inputs, not the picks), then
        // cut into blocks.
        let all = BlockGather.build(day: day, request: request, inputs: blocks, picks: picks)
        return stride(from: 0, to: all.count, by: EventBlock.rowsMax).map { all.slice($0..<min(all.count, $0 + EventBlock.rowsMax)) }
    }

    /// One generation: uids durable, a part per day (both cores), the mark, then install.
    private func writeGeneration() throws(StoreError) {
        guard !buffered.isEmpty else { return }
        failed = true
        try log.userIds.persist()
        let days = buffered.keys.sorted()
        let results = Mutex<[Result<BlockPart?, StoreError>]>(Array(repeating: .success(nil), count: days.count))
        let log = self.log, buffered = self.buffered
        DispatchQueue.concurrentPerform(iterations: days.count) { i in
            let r: Result<BlockPart?, StoreError>
            do throws(StoreError) {
                let blocks = Self.sorted(day: days[i], buffered[days[i]]!)
                r = .success(try DayPartWriter.write(project: log.id, day: days[i], sources: [.over(blocks)],
                                                     directory: log.partsDirectory, fs: log.fs, cache: log.cache))
            } catch {
                r = .failure(error)
            }
            results.withLock { $0[i] = r }
        }
        let outcomes = results.withLock { $0 }
        let parts = outcomes.compactMap { try? $0.get() }.compactMap { $0 }
        do throws(StoreError) {
            for outcome in outcomes { _ = try outcome.get() }
            do throws(FileError) {
                try log.fs.syncDirectory(log.partsDirectory)
                try FlushManifest.write(nextSeq, directory: log.directory, fs: log.fs)
            } catch {
                throw .io(error)
            }
        } catch {
            // Unless the mark landed (then the parts stand), none of this generation may remain.
            guard FlushManifest.landed(nextSeq, directory: log.directory, fs: log.fs) else {
                for part in parts { try? log.fs.remove(part.path) }
                throw error
            }
        }
        store.installLoaded(log, parts: parts, nextSeq: nextSeq)
        failed = false
        rowsWritten += bufferedRows
        partsWritten += parts.count
        daysTouched.formUnion(days)
        self.buffered = [:]
        bufferedRows = 0
    }
}
