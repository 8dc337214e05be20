// The import's flow: one thread reads and splits the file (cheap), workers parse and validate
// batches (the CPU), and the results go to the loader in file order, so that of two events
// with one dedupe key the later in the file wins, as it would through /import.

import ApusIngest
import ApusModel
import ApusStore
import ApusStoreCore
import Foundation

/// Counts of one import run.
struct ImportTally {
    var events = 0
    var failed = 0
    var ignored = 0
    var bytesRead = 0
}

/// A batch decoded and laid out as columns, with what was refused.
struct DecodedBatch: Sendable {
    var prepared: Result<PreparedBatch, StoreError>
    var failures: [ImportRecordFailure]
    var ignored: Int
}

/// Decodes batches on worker threads and hands the results back in submission order.
final class OrderedDecoder: @unchecked Sendable {
    private let decoder: ImportBatchDecoder
    private let queue = DispatchQueue(label: "apus-import-decode", attributes: .concurrent)
    private let condition = NSCondition()
    private var results: [Int: DecodedBatch] = [:]
    private var submitted = 0
    private var taken = 0
    let inFlightMax: Int

    init(decoder: ImportBatchDecoder, inFlightMax: Int) {
        self.decoder = decoder
        self.inFlightMax = inFlightMax
    }

    var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return submitted - taken
    }

    func submit(_ batch: RecordBatch) {
        condition.lock()
        let index = submitted
        submitted += 1
        condition.unlock()
        queue.async { [self] in
            let decoded = decoder.decode(batch)
            let prepared = Result { () throws(StoreError) in try BulkLoader.prepare(decoded.records, heads: decoded.heads) }
            let result = DecodedBatch(prepared: prepared, failures: decoded.failures, ignored: decoded.ignored)
            condition.lock()
            results[index] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next result in order, waiting for it; nil when nothing is outstanding.
    func next() -> DecodedBatch? {
        condition.lock()
        defer { condition.unlock() }
        guard taken < submitted else { return nil }
        while results[taken] == nil { condition.wait() }
        let r = results.removeValue(forKey: taken)
        taken += 1
        return r
    }
}

/// Runs files through splitter, decoder and loader.
struct ImportPipeline {
    let loader: BulkLoader
    let decoder: OrderedDecoder
    let limits: IngestLimits
    /// Called with each failed record (file, failure) and after each chunk (progress).
    var onFailure: (String, ImportRecordFailure) -> Void
    var onProgress: (ImportTally, _ fileBytesRead: Int) -> Void

    func run(file path: String, tally: inout ImportTally) throws {
        let reader = try ImportFileReader(path: path)
        var splitter = RecordSplitter(recordBytesMax: limits.recordBytesMax)
        var failure: (any Error)?
        func take(_ result: DecodedBatch) {
            for f in result.failures { onFailure(path, f) }
            tally.failed += result.failures.count
            tally.ignored += result.ignored
            guard failure == nil else { return }
            do throws(StoreError) {
                let prepared = try result.prepared.get()
                try loader.append(prepared)
                tally.events += prepared.distinctIds.count
            } catch {
                failure = error
            }
        }
        func submit(_ batches: [RecordBatch]) {
            for b in batches {
                while decoder.inFlight >= decoder.inFlightMax, let r = decoder.next() { take(r) }
                decoder.submit(b)
            }
        }
        var chunkBytes = 0
        while try reader.next({ chunk in
            chunkBytes = chunk.count
            submit(splitter.feed(chunk))
        }) {
            tally.bytesRead += chunkBytes
            onProgress(tally, reader.fileBytesRead)
            if let failure { throw failure }
        }
        if let last = splitter.finish() { submit([last]) }
        while let r = decoder.next() { take(r) }
        onProgress(tally, reader.fileBytesRead)
        if let failure { throw failure }
    }
}
