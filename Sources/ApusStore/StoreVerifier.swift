// `apus verify`: reads every WAL segment and part of a data folder without changing anything,
// and reports damage. A torn tail on a project's newest segment is what a crash leaves and is
// reported as a note (the next start removes it); anything else is damage.

import ApusStoreCore

/// The findings of a verification pass.
package struct VerifyReport: Sendable {
    package var lines: [String] = []
    package var problems: [String] = []
}

package enum StoreVerifier {
    package static func verify(dataDirectory: String, fs: any FileSystem = POSIXFileSystem()) -> VerifyReport {
        var report = VerifyReport()
        let cache = BlockCache(bytesMax: 64 << 20)
        let projectsDir = dataDirectory + "/projects"
        let projects = fs.list(projectsDir).filter { Int64($0) != nil }
        var totalEvents = 0, totalUpdates = 0, totalSegments = 0, totalParts = 0, totalRows = 0, totalUsers = 0
        for project in projects {
            let projectDir = projectsDir + "/" + project
            var flushedThrough: UInt64 = 1
            do throws(StoreError) { flushedThrough = try FlushManifest.read(directory: projectDir, fs: fs) } catch {
                report.problems.append(error.message)
            }
            let userIdsPath = UserIdDictionary.path(projectDirectory: projectDir)
            var userIds: UserIdTable? = nil
            if fs.exists(userIdsPath) {
                do throws(FileError) {
                    let bytes = try fs.readAll(userIdsPath)
                    let scan = UserIdFile.scan(bytes)
                    if let reason = scan.stopReason {
                        if scan.tornTail {
                            report.lines.append("note: \(userIdsPath): torn last append of \(bytes.count - scan.validLength) bytes (\(reason)); removed at next start")
                        } else {
                            report.problems.append("\(userIdsPath): \(reason)")
                        }
                    }
                    totalUsers += scan.table.count
                    userIds = scan.table
                } catch {
                    report.problems.append("\(userIdsPath): \(error)")
                }
            }
            let partsDir = projectDir + "/parts"
            for name in fs.list(partsDir) where PartFileName.isPart(name) {
                let path = partsDir + "/" + name
                totalParts += 1
                do throws(StoreError) {
                    let part = try BlockPart(path: path, fs: fs, cache: cache)
                    totalRows += part.rowCount
                    // Flushes make uids durable before writing parts: every uid is in the dictionary.
                    report.problems += part.verify(userCount: userIds?.count ?? 0)
                    if part.maxSeq >= flushedThrough {
                        report.lines.append("note: \(path): written by an unfinished flush; removed at next start (its rows are in the WAL)")
                    }
                } catch {
                    report.problems.append(error.message)
                }
            }
            let updatesPath = ProfileUpdateLog.path(projectDir)
            if fs.exists(updatesPath) {
                do throws(FileError) {
                    let bytes = try fs.readAll(updatesPath)
                    let scan = WALScanner.scan(bytes)
                    if scan.stopReason != nil && !bytes.isEmpty {
                        report.problems.append("\(updatesPath): \(scan.stopReason!)")
                    }
                    totalUpdates += scan.frames.reduce(0) { $0 + $1.records.count }
                    // Each record must read as what its frame says it is.
                    for frame in scan.frames where frame.kind == .identityLinks {
                        if let j = frame.records.firstIndex(where: { IdentityLink(json: $0) == nil }) {
                            report.problems.append("\(updatesPath): frame at byte \(frame.offset), record \(j) is not an identity fact")
                        }
                    }
                    for frame in scan.frames where frame.kind == .events {
                        report.problems.append("\(updatesPath): frame at byte \(frame.offset) holds events, which belong in parts")
                    }
                } catch {
                    report.problems.append("\(updatesPath): \(error)")
                }
            }
            // The checkpoint is a cache: a damaged one is ignored at open and rewritten.
            let checkpointPath = ProfileCheckpoint.path(projectDir)
            if fs.exists(checkpointPath) {
                if let checkpoint = ProfileCheckpoint.read(directory: projectDir, fs: fs) {
                    report.lines.append("profile checkpoint: \(checkpoint.profiles.users.liveCount) user profiles, \(checkpoint.identity.linkCount) identity facts, through sequence \(checkpoint.throughSeq)")
                } else {
                    report.lines.append("note: \(checkpointPath) does not read back whole; ignored at next start (profiles are rebuilt from the update log)")
                }
            }
            let walDir = projectsDir + "/" + project + "/wal"
            let segments = fs.list(walDir).filter { $0.hasSuffix(".wal") }
            var lastSeqEnd: UInt64? = nil
            for (i, name) in segments.enumerated() {
                let path = walDir + "/" + name
                totalSegments += 1
                let bytes: [UInt8]
                do throws(FileError) { bytes = try fs.readAll(path) } catch {
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
        report.lines.append("projects: \(projects.count), parts: \(totalParts) (\(totalRows) rows), WAL segments: \(totalSegments), logged events: \(totalEvents), profile updates: \(totalUpdates), user ids: \(totalUsers)")
        report.lines.append(report.problems.isEmpty ? "ok: no damage found" : "damage found: \(report.problems.count) problem(s)")
        return report
    }
}
