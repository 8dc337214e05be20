// Progress of `apus import`: on a terminal, one line redrawn twice a second (events, events/s,
// share of the input read, ETA); otherwise (a log, a pipe) a plain line every ten seconds.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class ProgressReporter {
    private let totalBytes: Int
    private let fileCount: Int
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var fileIndex = 0
    private var fileName = ""
    private var bytesBefore = 0
    private var drawn = false

    init(totalBytes: Int, fileCount: Int) {
        self.totalBytes = max(1, totalBytes)
        self.fileCount = fileCount
    }

    func startFile(_ index: Int, name: String, bytesBefore: Int) {
        fileIndex = index
        fileName = name
        self.bytesBefore = bytesBefore
        if !isTerminal { Console.error("importing \(name) (file \(index + 1) of \(fileCount))") }
    }

    /// `tally.bytesRead` counts inflated bytes; the share uses the file bytes read.
    func update(_ tally: ImportTally, fileBytesRead: Int? = nil) {
        let now = Date()
        let every: TimeInterval = isTerminal ? 0.5 : 10
        guard tally.events + tally.failed > 0, now.timeIntervalSince(lastDraw) >= every else { return }
        lastDraw = now
        let elapsed = max(0.001, now.timeIntervalSince(started))
        let rate = Double(tally.events) / elapsed
        var line = "\(Self.grouped(tally.events)) events  \(Self.grouped(Int(rate)))/s"
        if let read = fileBytesRead {
            let share = min(1, Double(bytesBefore + read) / Double(totalBytes))
            line += String(format: "  %.0f%%", share * 100)
            if share > 0.01 { line += "  ETA " + Self.duration(elapsed / share - elapsed) }
        }
        if tally.failed > 0 { line += "  \(Self.grouped(tally.failed)) refused" }
        if fileCount > 1 { line += "  file \(fileIndex + 1)/\(fileCount)" }
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        } else {
            Console.error(line)
        }
    }

    func clearLine() {
        guard isTerminal, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    func finishing() {
        clearLine()
        Console.error("merging each day into one part…")
    }

    func done(_ tally: ImportTally) {
        clearLine()
        let elapsed = max(0.001, Date().timeIntervalSince(started))
        var line = "imported \(Self.grouped(tally.events)) events in \(Self.duration(elapsed)) (\(Self.grouped(Int(Double(tally.events) / elapsed))) events/s)"
        if tally.ignored > 0 { line += "; \(Self.grouped(tally.ignored)) dropped by $ignore" }
        if tally.failed > 0 { line += "; \(Self.grouped(tally.failed)) records refused (see above)" }
        Console.print(line)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
