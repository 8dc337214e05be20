// `apus import` writes day parts directly, skipping the WAL. Work is split so that the one
// serial step is small: workers turn each decoded batch into columnar blocks per UTC day
// (`prepare`, any thread); the loader, in file order, gives the batch its uids and sequence
// numbers (`append`); every `bufferRows` events become one part per day they hold, sorted and
// written on a background thread (each day on its own core) while the next batches are read;
// then the flush mark moves past them. The latest day of a generation is held back for the
// next one while it is small: files sorted by time (as Mixpanel exports are) then give each
// day one part, and `finish()` has nothing to merge.
//
// Crash safety is the flush's: uids are durable before the parts that use them, a part appears
// whole or not at all, and parts at or past the mark (a generation cut short) are removed when
// the folder next opens. An import that stops early has stored only some of its file (a held
// day's rows sit below the mark but in no part until a later generation writes them), so the
// command says to run it again; re-running a file adds nothing: rows with the same dedupe key
// (event, distinct id, second, `$insert_id`) collapse when read and when `finish()` merges
// each day that got more than one part.

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
    /// The identity facts of the batch's events, in order.
    package var links: [IdentityLink] = []
}

/// What the background writes have done so far.
private final class WriteOutcome: Sendable {
    private let state = Mutex<(rows: Int, parts: Int, error: StoreError?)>((0, 0, nil))

    func withLock<R>(_ body: (inout (rows: Int, parts: Int, error: StoreError?)) -> R) -> R {
        state.withLock { body(&$0) }
    }
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
    /// One generation at a time is written in the background.
    private let writer = DispatchQueue(label: "apus-import-write")
    private var writing: DispatchGroup?
    private let outcome = WriteOutcome()
    /// Events made durable so far.
    package var rowsWritten: Int { outcome.withLock { $0.rows } }
    package var partsWritten: Int { outcome.withLock { $0.parts } }
    /// After a failed write the loader takes nothing more (numbers were spent on lost rows).
    private var failed = false
    /// Identity facts of the rows numbered since the last generation, each once, in order.
    private var links: [IdentityLink] = []
    private var linksSeen = Set<IdentityLink>()
    /// The mark before the generation being buffered (its identity frame is numbered from it).
    private var lastMark: UInt64

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
        lastMark = s.nextSeq
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
                    batch.links += IdentityLink.links(inRecord: UnsafeRawBufferPointer(rebasing: all[range]))
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
        guard !failed, outcome.withLock({ $0.error == nil }) else {
            throw StoreError(.unavailable, "an earlier write of this import failed")
        }
        guard !batch.distinctIds.isEmpty else { return }
        let uids = try settlingOnFailure { () throws(StoreError) in try log.userIds.uids(for: batch.distinctIds) }
        let base = nextSeq
        for var block in batch.blocks {
            block.uids = block.seqs.map { uids[Int($0)] }
            block.seqs = block.seqs.map { base + $0 }
            buffered[block.day, default: []].append(block)
        }
        nextSeq += UInt64(batch.distinctIds.count)
        bufferedRows += batch.distinctIds.count
        for link in batch.links where linksSeen.insert(link).inserted { links.append(link) }
        if bufferedRows >= bufferRows { try settlingOnFailure { () throws(StoreError) in try writeGeneration() } }
    }

    /// Adds events (in file order) on the calling thread.
    package func append(_ events: [Event]) throws(StoreError) {
        try append(try Self.prepare(events))
    }

    /// Writes what is buffered, then merges every day this load gave more than one part.
    package func finish() throws(StoreError) {
        try settlingOnFailure { () throws(StoreError) in
            try writeGeneration(final: true)
            try awaitWriting()
        }
        store.compact(log, days: daysTouched)
    }

    /// Runs `body`; when it fails, first lets the generation being written finish, so that
    /// nothing writes to the folder once the caller has the error.
    private func settlingOnFailure<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            writing?.wait()
            throw error
        }
    }

    /// A day's buffered rows as blocks sorted by (uid, time, seq). The blocks come in seq order
    /// (batches in file order, each batch's rows in order), so rows sort by (uid, time) and
    /// then by their place in the buffer.
    static func sorted(day: Int32, _ blocks: [EventBlock]) -> [EventBlock] {
        struct Key {
            /// uid in the high 32 bits, milliseconds into the day below (under 2^27).
            var key: UInt64
            var at: UInt32
        }
        var keys: [Key] = []
        var inputOf: [Int32] = [], rowBase: [Int] = []
        keys.reserveCapacity(blocks.reduce(0) { $0 + $1.count })
        let dayStart = Int64(day) * 86_400_000
        for (i, b) in blocks.enumerated() {
            rowBase.append(keys.count)
            for r in 0..<b.count {
                let ms = UInt64(clamping: b.timesMs[r] - dayStart)
                keys.append(Key(key: UInt64(b.uids[r]) << 32 | min(ms, 0xFFFF_FFFF), at: UInt32(keys.count)))
                inputOf.append(Int32(i))
            }
        }
        keys.sort { $0.key != $1.key ? $0.key < $1.key : $0.at < $1.at }
        let picks = keys.map { k in
            let input = inputOf[Int(k.at)]
            return BlockGather.Pick(input: input, row: Int32(Int(k.at) - rowBase[Int(input)]))
        }
        return BlockGather.blocks(day: day, request: request, inputs: blocks, picks: picks, rowsMax: EventBlock.rowsMax)
    }

    /// Waits for the generation being written; throws its failure.
    private func awaitWriting() throws(StoreError) {
        writing?.wait()
        writing = nil
        if let error = outcome.withLock({ $0.error }) {
            failed = true
            throw error
        }
    }

    /// Starts writing one generation: uids made durable here, then in the background a part
    /// per day (both cores), the mark, and installing the parts. All buffered days go when
    /// `final`; otherwise the latest is kept back while it holds at most half a buffer.
    private func writeGeneration(final: Bool = false) throws(StoreError) {
        try awaitWriting()
        var days = buffered.keys.sorted()
        if !final, days.count > 1, let last = days.last,
           buffered[last]!.reduce(0, { $0 + $1.count }) <= bufferRows / 2 {
            days.removeLast()
        }
        guard !days.isEmpty else { return }
        // Ids named by identity facts get uids too (as a flush gives them), durable with the rest.
        log.userIds.number(links)
        failed = true
        try log.userIds.persist()
        failed = false
        var generation: [(day: Int32, blocks: [EventBlock])] = []
        var rows = 0
        for day in days {
            let blocks = buffered.removeValue(forKey: day)!
            rows += blocks.reduce(0) { $0 + $1.count }
            generation.append((day, blocks))
        }
        bufferedRows -= rows
        daysTouched.formUnion(days)
        let mark = nextSeq
        // The identity facts of every row numbered so far go to the update log with this
        // generation, below its mark (as a flush moves those of the events it writes).
        let generationLinks = links, linksFrom = lastMark
        links = []
        linksSeen = []
        lastMark = mark
        let group = DispatchGroup()
        writing = group
        writer.async(group: group) { [store, log, outcome, generation, rows] in
            do throws(StoreError) {
                let parts = try Self.write(generation, links: generationLinks, linksFrom: linksFrom, mark: mark, log: log)
                store.installLoaded(log, parts: parts, nextSeq: mark, links: generationLinks)
                outcome.withLock { $0.rows += rows; $0.parts += parts.count }
            } catch {
                outcome.withLock { $0.error = error }
            }
        }
    }

    /// Writes a part per day (both cores), then the mark; on failure removes them all.
    private static func write(_ generation: [(day: Int32, blocks: [EventBlock])], links: [IdentityLink], linksFrom: UInt64,
                              mark: UInt64, log: ProjectLog) throws(StoreError) -> [BlockPart] {
        let results = Mutex<[Result<BlockPart?, StoreError>]>(Array(repeating: .success(nil), count: generation.count))
        DispatchQueue.concurrentPerform(iterations: generation.count) { i in
            let r: Result<BlockPart?, StoreError>
            do throws(StoreError) {
                let (day, blocks) = generation[i]
                r = .success(try DayPartWriter.write(project: log.id, day: day, sources: [.over(sorted(day: day, blocks))],
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
                let frames = links.isEmpty ? []
                    : WALPayload(kind: .identityLinks, receivedMs: 0, records: links.map(\.json)).frame(firstSeq: linksFrom)
                try ProfileUpdateLog.appendThenMark(frames, mark: mark, directory: log.directory, fs: log.fs)
            } catch {
                throw .io(error)
            }
        } catch {
            // Unless the mark landed (then the parts stand), none of this generation may remain.
            guard FlushManifest.landed(mark, directory: log.directory, fs: log.fs) else {
                for part in parts { try? log.fs.remove(part.path) }
                throw error
            }
        }
        return parts
    }
}
