// `apus import` writes day parts directly, skipping the WAL. Work is split so that the one
// serial step is small: workers read each decoded batch's times and distinct ids (`prepare`,
// any thread); the loader, in file order, gives the batch its uids and sequence numbers and
// files its rows by day as (uid, time, seq) keys pointing at the records (`append`); every
// `bufferRows` events become one part per day they hold, written in the background while the
// next batches are read: keys sorted, then blocks built straight from the records in that
// order (so no column is copied twice) and written, each step on both cores; then the flush
// mark moves past them. The latest day of a generation is held back for the
// next one while it is small: files sorted by time (as Mixpanel exports are) then give each
// day one part, and `finish()` has nothing to merge.
//
// Crash safety is the flush's: uids are durable before the parts that use them, a part appears
// whole or not at all, and parts at or past the mark (a generation cut short) are removed when
// the folder next opens. An import that stops early has stored only some of its file (a held
// day's rows sit below the mark but in no part until a later generation writes them), so the
// command says to run it again; re-running a file adds nothing: rows with the same dedupe key
// (event, distinct id, second, `$insert_id`) collapse within a generation as its rows are
// sorted (only the latest copy is built into a block), and across generations and earlier
// loads when read and when `finish()` merges each day that got more than one part.

import ApusModel
import ApusStoreCore
import Foundation
import Synchronization

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
    /// Rows per day not yet written, in seq order.
    private var buffered: [Int32: [BufferedRow]] = [:]
    /// The batches whose records buffered rows point at, by number.
    private var batches: [UInt32: RecordArena] = [:]
    private var nextBatch: UInt32 = 0
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

    /// Reads what ordering needs of `events` (any thread).
    package static func prepare(_ events: [Event]) throws(StoreError) -> PreparedBatch {
        try prepare(EventRecords(events))
    }

    /// Reads what ordering needs of event records (any thread): each one's time and distinct
    /// id, and its identity facts; the records are kept for building blocks later. With
    /// `heads` (noted as the records were written), only records that may hold an identity
    /// fact are read.
    package static func prepare(_ records: EventRecords, heads noted: RecordHeads? = nil) throws(StoreError) -> PreparedBatch {
        let heads: RecordHeads
        if let noted, noted.count == records.count {
            heads = noted
        } else {
            do throws(DecodeFailure) {
                heads = try RecordHeads(reading: records)
            } catch {
                throw StoreError(.invalidRecord, "an event record to import is malformed at byte \(error.offset) (\(error.reason)); nothing was imported from its batch")
            }
        }
        var batch = PreparedBatch(records: RecordArena(records))
        batch.timesMs = heads.timesMs
        batch.distinctIds = zip(heads.distinctIdStarts, heads.distinctIdCounts).map { RecordArena.Span(start: $0, count: $1) }
        for i in heads.mayHoldLinks.indices where heads.mayHoldLinks[i] {
            batch.links += IdentityLink.links(inRecord: batch.records.record(i))
        }
        return batch
    }

    /// Adds a prepared batch (in file order: of two events with one dedupe key, the later wins).
    package func append(_ batch: PreparedBatch) throws(StoreError) {
        guard !failed, outcome.withLock({ $0.error == nil }) else {
            throw StoreError(.unavailable, "an earlier write of this import failed")
        }
        guard batch.count > 0 else { return }
        let uids = try settlingOnFailure { () throws(StoreError) in try log.userIds.uids(count: batch.count) { batch.records.bytes(batch.distinctIds[$0]) } }
        let base = nextSeq
        let number = nextBatch
        nextBatch += 1
        batches[number] = batch.records
        // Rows of one day mostly come together: the day's list is looked up once per run.
        var i = 0
        while i < batch.count {
            let day = utcDay(ofTimeMs: batch.timesMs[i])
            let dayStart = Int64(day) * 86_400_000
            var rows = buffered.removeValue(forKey: day) ?? []
            while i < batch.count {
                let ms = batch.timesMs[i] - dayStart
                guard ms >= 0, ms < 86_400_000 else { break }
                rows.append(BufferedRow(key: UInt64(uids[i]) << 32 | UInt64(ms), seq: base + UInt64(i),
                                        batch: number, offset: UInt32(batch.records.start(of: i))))
                i += 1
            }
            buffered[day] = rows
        }
        nextSeq += UInt64(batch.count)
        bufferedRows += batch.count
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

    /// One day's rows sorted by (uid, time, seq). Rows are appended in seq order, so a stable
    /// sort by key alone is enough: a least-significant-digit radix sort, a byte of the key per
    /// pass, skipping bytes that are the same in every row (a few passes over the rows instead
    /// of a comparison per row and level). Rows not in seq order take a comparison sort.
    package static func sort(_ rows: inout [BufferedRow]) {
        let n = rows.count
        guard n > 1 else { return }
        func compareSort() { rows.sort { $0.key != $1.key ? $0.key < $1.key : $0.seq < $1.seq } }
        guard n >= 1024 else { return compareSort() }
        // One read for every byte's counts, and the check that seqs rise.
        var counts = [Int](repeating: 0, count: 8 * 256)
        let inSeqOrder = rows.withUnsafeBufferPointer { r in
            counts.withUnsafeMutableBufferPointer { c in
                var previous = r[0].seq
                var rising = true
                for row in r {
                    rising = rising && row.seq >= previous
                    previous = row.seq
                    let k = row.key
                    for byte in 0..<8 { c[byte << 8 | Int(truncatingIfNeeded: k >> UInt64(byte * 8)) & 0xFF] += 1 }
                }
                return rising
            }
        }
        guard inSeqOrder else { return compareSort() }
        var other = [BufferedRow](repeating: BufferedRow(key: 0, seq: 0, batch: 0, offset: 0), count: n)
        var sortedInOther = false
        for byte in 0..<8 {
            let base = byte << 8
            // A byte every row shares orders nothing.
            if counts[base + Int(truncatingIfNeeded: rows[0].key >> UInt64(byte * 8)) & 0xFF] == n { continue }
            var next = [Int](repeating: 0, count: 256)
            var sum = 0
            for d in 0..<256 {
                next[d] = sum
                sum += counts[base + d]
            }
            func scatter(_ from: UnsafeBufferPointer<BufferedRow>, _ to: UnsafeMutableBufferPointer<BufferedRow>) {
                next.withUnsafeMutableBufferPointer { next in
                    let shift = UInt64(byte * 8)
                    for row in from {
                        let d = Int(truncatingIfNeeded: row.key >> shift) & 0xFF
                        to[next[d]] = row
                        next[d] += 1
                    }
                }
            }
            if sortedInOther {
                other.withUnsafeBufferPointer { from in rows.withUnsafeMutableBufferPointer { to in scatter(from, to) } }
            } else {
                rows.withUnsafeBufferPointer { from in other.withUnsafeMutableBufferPointer { to in scatter(from, to) } }
            }
            sortedInOther.toggle()
        }
        if sortedInOther { swap(&rows, &other) }
    }

    /// Drops from `rows` (one day's, sorted) every row that shares its dedupe key (event name,
    /// distinct id, second, `$insert_id`) with a later ingested one (higher seq), as a merge
    /// would: copies share a uid and a second, so they sit together in the sorted rows and only
    /// such runs need their records read.
    package static func dropDuplicates(_ rows: inout [BufferedRow], arenas: ArenaTable) throws(StoreError) {
        func second(_ row: BufferedRow) -> UInt64 { (row.key >> 32) << 32 | (row.key & 0xFFFF_FFFF) / 1000 }
        var kept = 0
        var i = 0
        let n = rows.count
        while i < n {
            var j = i + 1
            let group = second(rows[i])
            while j < n && second(rows[j]) == group { j += 1 }
            if j - i == 1 {
                rows[kept] = rows[i]
                kept += 1
            } else {
                // Per (name, insert id), the row with the highest seq; rows keep their order.
                var latest: [[UInt8]: Int] = [:]
                for k in i..<j {
                    let key = try dedupeKey(arenas.record(rows[k]))
                    if let other = latest[key], rows[other].seq > rows[k].seq { continue }
                    latest[key] = k
                }
                for k in latest.values.sorted() {
                    rows[kept] = rows[k]
                    kept += 1
                }
            }
            i = j
        }
        rows.removeLast(n - kept)
    }

    /// A record's dedupe key within its (uid, second): its event name and insert id, as a merge
    /// keys rows.
    private static func dedupeKey(_ record: UnsafeRawBufferPointer) throws(StoreError) -> [UInt8] {
        do throws(DecodeFailure) {
            var r = BinaryReader(record)
            _ = try r.zigzag()
            let name = try r.bytes()
            _ = try r.bytes() // distinct id: the uid stands for it
            return MergingCursor.dedupeKey(name: name, insertId: try r.bytes())
        } catch {
            throw StoreError(.invalidRecord, "an event record to import is malformed at byte \(error.offset) (\(error.reason)); nothing was imported from its generation")
        }
    }

    /// The block holding `rows` (sorted) of `day`, built from their records in place.
    package static func block(day: Int32, rows: ArraySlice<BufferedRow>, arenas: ArenaTable) throws(StoreError) -> EventBlock {
        var builder = EventBlockBuilder(day: day, request: request, plainWhenDistinct: true)
        do throws(DecodeFailure) {
            // Records lie in file order and are read in user order: each is asked into the cache
            // a few rows before it is read.
            let ahead = 8
            for i in rows.indices {
                if i + ahead < rows.endIndex { arenas.prefetch(rows[i + ahead]) }
                let row = rows[i]
                try builder.append(uid: UInt32(truncatingIfNeeded: row.key >> 32), seq: row.seq, record: arenas.record(row))
            }
        } catch {
            throw StoreError(.invalidRecord, "an event record to import is malformed at byte \(error.offset) (\(error.reason)); nothing was imported from its generation")
        }
        return builder.build()
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
           buffered[last]!.count <= bufferRows / 2 {
            days.removeLast()
        }
        guard !days.isEmpty else { return }
        // Ids named by identity facts get uids too (as a flush gives them), durable with the rest.
        log.userIds.number(links)
        failed = true
        try log.userIds.persist()
        failed = false
        var generation: [(day: Int32, rows: [BufferedRow])] = []
        var rows = 0
        for day in days {
            let dayRows = buffered.removeValue(forKey: day)!
            rows += dayRows.count
            generation.append((day, dayRows))
        }
        bufferedRows -= rows
        // The generation takes the batches it reads; those that held-back rows still point at stay.
        var kept = Set<UInt32>()
        for dayRows in buffered.values {
            var last = UInt32.max
            for row in dayRows where row.batch != last {
                last = row.batch
                kept.insert(row.batch)
            }
        }
        let generationBatches = batches
        batches = batches.filter { kept.contains($0.key) }
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
                let parts = try Self.write(generation, batches: generationBatches, links: generationLinks, linksFrom: linksFrom, mark: mark, log: log)
                store.installLoaded(log, parts: parts, nextSeq: mark, links: generationLinks)
                outcome.withLock { $0.rows += rows; $0.parts += parts.count }
            } catch {
                outcome.withLock { $0.error = error }
            }
        }
    }

    /// Writes a part per day, then the mark; on failure removes them all. Both cores share
    /// the work: days sort (and drop their duplicates) at once, then every block of every day is built at once, then the
    /// days' parts are written at once.
    private static func write(_ generation: [(day: Int32, rows: [BufferedRow])], batches: [UInt32: RecordArena],
                              links: [IdentityLink], linksFrom: UInt64,
                              mark: UInt64, log: ProjectLog) throws(StoreError) -> [BlockPart] {
        let arenas = ArenaTable(batches)
        let sorted = Mutex<[Result<[BufferedRow], StoreError>]>(Array(repeating: .success([]), count: generation.count))
        DispatchQueue.concurrentPerform(iterations: generation.count) { i in
            let r = Result { () throws(StoreError) in
                var rows = generation[i].rows
                sort(&rows)
                try dropDuplicates(&rows, arenas: arenas)
                return rows
            }
            sorted.withLock { $0[i] = r }
        }
        let dayRows = try sorted.withLock { $0 }.map { r throws(StoreError) in try r.get() }
        var jobs: [(day: Int, rows: Range<Int>)] = []
        for (d, rows) in dayRows.enumerated() {
            for start in stride(from: 0, to: rows.count, by: EventBlock.rowsMax) {
                jobs.append((d, start..<min(rows.count, start + EventBlock.rowsMax)))
            }
        }
        let built = Mutex<[Result<EventBlock, StoreError>?]>(Array(repeating: nil, count: jobs.count))
        DispatchQueue.concurrentPerform(iterations: jobs.count) { [jobs] j in
            let (d, range) = jobs[j]
            let r = Result { () throws(StoreError) in try block(day: generation[d].day, rows: dayRows[d][range], arenas: arenas) }
            built.withLock { $0[j] = r }
        }
        var blocksOfDay: [[EventBlock]] = Array(repeating: [], count: generation.count)
        for (j, r) in built.withLock({ $0 }).enumerated() {
            blocksOfDay[jobs[j].day].append(try r!.get())
        }
        let results = Mutex<[Result<BlockPart?, StoreError>]>(Array(repeating: .success(nil), count: generation.count))
        DispatchQueue.concurrentPerform(iterations: generation.count) { [blocksOfDay] i in
            let r: Result<BlockPart?, StoreError>
            do throws(StoreError) {
                r = .success(try DayPartWriter.write(project: log.id, day: generation[i].day, deduplicated: blocksOfDay[i],
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
