// The memtable's rows of one day as blocks, so that scans read them with the same code as
// parts: rows read from their records in place (no `Event` per row), given uids (provisional
// until the next flush), sorted by (uid, time, seq). Not yet deduplicated (MergingCursor does
// that).

import ApusModel
import ApusStoreCore

enum MemtableBlocks {
    /// The UTC days in `range` on which `chunks` hold rows.
    static func days(_ chunks: [MemtableChunk], in range: ClosedRange<Int32>) -> Set<Int32> {
        var days = Set<Int32>()
        for chunk in chunks {
            for t in chunk.timesMs {
                let d = utcDay(ofTimeMs: t)
                if range.contains(d) { days.insert(d) }
            }
        }
        return days
    }

    /// The rows of `day` that `request` keeps, as sorted blocks with its columns, built from the
    /// records in place (no `Event` per row).
    static func blocks(_ chunks: [MemtableChunk], day: Int32, request: ScanRequest, userIds: UserIdDictionary) throws(StoreError) -> [EventBlock] {
        let lo = Int64(day) * 86_400_000, hi = lo + 86_400_000
        struct Row { var chunk: Int32; var index: Int32; var time: Int64; var seq: UInt64 }
        var rows: [Row] = []
        var distinctIds: [String] = []
        // Names compare by their bytes, as the parts' readers compare them.
        let wantedNames = request.eventNames.map { Set($0.map(ExactText.init)) }
        do throws(DecodeFailure) {
            for (c, chunk) in chunks.enumerated() {
                let read: Result<Void, DecodeFailure> = chunk.bytes.withUnsafeBytes { all in
                    do throws(DecodeFailure) {
                        for i in 0..<chunk.count where chunk.timesMs[i] >= lo && chunk.timesMs[i] < hi {
                            if let range = request.timeMs, !range.contains(chunk.timesMs[i]) { continue }
                            var r = BinaryReader(all, start: chunk.ranges[i].lowerBound, end: chunk.ranges[i].upperBound)
                            _ = try r.zigzag()
                            let name = try r.bytes()
                            if let names = wantedNames, !names.contains(ExactText(String(decoding: name, as: UTF8.self))) { continue }
                            distinctIds.append(String(decoding: try r.bytes(), as: UTF8.self))
                            rows.append(Row(chunk: Int32(c), index: Int32(i), time: chunk.timesMs[i], seq: chunk.firstSeq + UInt64(i)))
                        }
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                try read.get()
            }
        } catch {
            throw damaged(error)
        }
        let uids = try userIds.uids(for: distinctIds)
        var order = rows.indices.filter { request.uids?.contains(uids[$0]) ?? true }
        order.sort { a, b in (uids[a], rows[a].time, rows[a].seq) < (uids[b], rows[b].time, rows[b].seq) }
        var out: [EventBlock] = []
        var builder = EventBlockBuilder(day: day, request: request)
        do throws(DecodeFailure) {
            for k in order {
                let row = rows[k]
                let chunk = chunks[Int(row.chunk)]
                let range = chunk.ranges[Int(row.index)]
                let appended: Result<Void, DecodeFailure> = chunk.bytes.withUnsafeBytes { all in
                    do throws(DecodeFailure) {
                        try builder.append(uid: uids[k], seq: row.seq, record: UnsafeRawBufferPointer(rebasing: all[range]))
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                try appended.get()
                if builder.isFull {
                    out.append(builder.build())
                    builder = EventBlockBuilder(day: day, request: request)
                }
            }
        } catch {
            throw damaged(error)
        }
        if builder.count > 0 { out.append(builder.build()) }
        return out
    }

    static func damaged(_ error: DecodeFailure) -> StoreError {
        StoreError(.memtableDamaged, "an event in memory could not be decoded (\(error.reason)); restart the server to reload it from the WAL")
    }
}
