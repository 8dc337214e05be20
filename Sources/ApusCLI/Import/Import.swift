// `apus import`: bulk-load event files (NDJSON or JSON arrays, gzip or not; Mixpanel's raw
// export format) into a project of a data folder no server holds open. Exit status: 0 when
// every record was imported, 2 when some were refused (the rest are in), 1 when the import
// stopped (nothing after the last completed generation is in; re-run it).

import ApusCatalog
import ApusIngest
import ApusModel
import ApusStore
import ApusStoreCore
import ArgumentParser
import Foundation
import Logging

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load event files into a project (stop the server on that data folder first).",
        discussion: """
            Files may be NDJSON (one event per line, as Mixpanel's raw export writes them), JSON arrays \
            of events, or either one gzipped. Each record is checked by /import's rules; refused \
            records are counted and the first ones printed. Re-running a file adds nothing: events \
            are deduplicated by (event, distinct_id, time in seconds, $insert_id).
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "Project id to load into.")
    var project: Int64

    @Option(help: "Events buffered in memory before they are written as parts (default 2000000; more means fewer, larger parts; memory holds about two buffers of records, ~1 GB per million).")
    var bufferRows: Int = 2_000_000

    @Option(help: "Refused records to print before only counting them (default 20).")
    var showFailures: Int = 20

    @Argument(help: "Files to load, in order.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file to import") }
        guard bufferRows >= 1000 else { throw ValidationError("--buffer-rows must be at least 1000") }
    }

    func run() throws {
        DataOptions.restrictNewFiles()
        MemoryTuning.keepBatchBuffersForReuse()
        let directory = data.directory
        for f in files where !FileManager.default.isReadableFile(atPath: f) {
            throw ValidationError("cannot read \(f)")
        }
        let lock: DataFolderLock
        do throws(StoreError) { lock = try DataFolderLock(directory: directory, purpose: "import") } catch {
            Console.error("apus import: \(error.message)")
            throw ExitCode(1)
        }
        defer { lock.release() }
        guard FileManager.default.fileExists(atPath: directory + "/catalog.sqlite") else {
            Console.error("apus import: \(directory) is not an Apus data folder yet; start `apus serve --data \(directory)` once, or create a project with `apus projects create --data \(directory) --name NAME`")
            throw ExitCode(1)
        }
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        guard let projectInfo = try catalog.project(id: project) else {
            let known = try catalog.projects().map { String($0.id) }.joined(separator: ", ")
            Console.error("apus import: project \(project) does not exist in \(directory) (projects: \(known.isEmpty ? "none" : known)); create it with `apus projects create`")
            throw ExitCode(1)
        }

        var logger = Logger(label: "apus")
        logger.logLevel = .warning
        let store = try EmbeddedEventStore(configuration: StoreConfiguration(dataDirectory: directory), logger: logger)
        defer { store.close() }
        let loader = try BulkLoader(store: store, project: project, bufferRows: bufferRows)

        let totalBytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        let progress = ProgressReporter(totalBytes: totalBytes, fileCount: files.count)
        var shown = 0
        let pipeline = ImportPipeline(
            loader: loader,
            decoder: OrderedDecoder(decoder: ImportBatchDecoder(project: project, nowMs: SystemClock().nowMs(),
                                                                identityMode: projectInfo.identityMode),
                                    inFlightMax: 2 * ProcessInfo.processInfo.activeProcessorCount + 1),
            limits: .standard,
            onFailure: { file, f in
                shown += 1
                if shown <= showFailures {
                    progress.clearLine()
                    Console.error("\(file):\(f.line): \(f.code) (\(f.field)): \(f.message)")
                } else if shown == showFailures + 1 {
                    progress.clearLine()
                    Console.error("… further refused records are counted, not printed")
                }
            },
            onProgress: { tally, read in progress.update(tally, fileBytesRead: read) })
        var tally = ImportTally()
        var doneBytes = 0
        for (i, file) in files.enumerated() {
            progress.startFile(i, name: file, bytesBefore: doneBytes)
            do {
                try pipeline.run(file: file, tally: &tally)
            } catch let e as ImportFileError {
                progress.clearLine()
                Console.error("apus import: \(e.message); events before it are imported, re-run to finish (nothing is doubled)")
                try? loader.finish()
                throw ExitCode(1)
            } catch let e as StoreError {
                progress.clearLine()
                Console.error("apus import: \(e.message)")
                throw ExitCode(1)
            }
            doneBytes += (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        }
        progress.finishing()
        do throws(StoreError) { try loader.finish() } catch {
            progress.clearLine()
            Console.error("apus import: \(error.message)")
            throw ExitCode(1)
        }
        progress.done(tally)
        if tally.failed > 0 { throw ExitCode(2) }
    }
}
