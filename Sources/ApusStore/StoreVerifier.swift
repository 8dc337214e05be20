// `apus verify`: reads every WAL segment and part of a data folder without changing anything,
// and reports damage. A torn tail on a project's newest segment is what a crash leaves and is
// reported as a note (the next start removes it); anything else is damage.

/// The findings of a verification pass.
package struct VerifyReport: Sendable {
    package var lines: [String] = []
    package var problems: [String] = []
}

package enum StoreVerifier {
    package static func verify(dataDirectory: String) -> VerifyReport {
        var report = VerifyReport()
        let projectsDir = dataDirectory + "/projects"
        let projects = FileSystem.list(projectsDir).filter { Int64($0) != nil }
        var totalEvents = 0, totalUpdates = 0, totalSegments = 0
        for project in projects {
            let walDir = projectsDir + "/" + project + "/wal"
            let segments = FileSystem.list(walDir).filter { $0.hasSuffix(".wal") }
            var lastSeqEnd: UInt64? = nil
            for (i, name) in segments.enumerated() {
                let path = walDir + "/" + name
                totalSegments += 1
                let bytes: [UInt8]
                do throws(FileError) { bytes = try FileSystem.readAll(path) } catch {
                    report.problems.append("\(path): \(error)")
                    continue
                }
                let scan = WALScanner.scan(bytes)
                if let reason = scan.stopReason, scan.validLength < bytes.count || bytes.isEmpty {
                    if i == segments.count - 1 {
                        report.lines.append("note: \(path): torn tail of \(bytes.count - scan.validLength) bytes (\(reason)); removed at next start")
                    } else {
                        report.problems.append("\(path): \(reason)")
                    }
                }
                for frame in scan.frames {
                    if let end = lastSeqEnd, frame.firstSeq < end {
                        report.problems.append("\(path): frame at byte \(frame.offset) has sequence \(frame.firstSeq), below the previous frame's end \(end)")
                    }
                    lastSeqEnd = frame.firstSeq + UInt64(frame.records.count)
                    for (j, record) in frame.records.enumerated() {
                        if frame.kind == .events {
                            do throws(DecodeFailure) { _ = try EventCodec.decode(record) } catch {
                                report.problems.append("\(path): frame at byte \(frame.offset), record \(j): \(error.reason)")
                            }
                            totalEvents += 1
                        } else {
                            totalUpdates += 1
                        }
                    }
                }
            }
        }
        report.lines.append("projects: \(projects.count), WAL segments: \(totalSegments), logged events: \(totalEvents), logged profile updates: \(totalUpdates)")
        report.lines.append(report.problems.isEmpty ? "ok: no damage found" : "damage found: \(report.problems.count) problem(s)")
        return report
    }
}
