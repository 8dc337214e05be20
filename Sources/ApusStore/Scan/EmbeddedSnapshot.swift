// The embedded store's snapshot: a project's block parts and memtable rows (columnar runs and the
// tail of records) at one moment. A day held by one part alone streams that part's blocks as
// they are (parts hold no duplicates); a day with several parts or memtable rows merges them
// through MergingCursor.

import ApusModel
import ApusStoreCore

/// A project snapshot of the embedded store, read through the scan API.
package struct EmbeddedSnapshot: EventSnapshot {
    package let project: Int64
    /// Events not yet in parts and not yet in columns: the memtable's tail (decoded when read).
    package let chunks: [MemtableChunk]
    package let parts: [BlockPart]
    package let userIds: UserIdDictionary
    /// Memtable rows already laid out as columns.
    package var runs: [MemtableRun] = []
    /// The profile tables, read when a query asks (a snapshot that never reads them does not
    /// hold a version of them, which the store would then copy on its next update).
    package var currentProfiles: @Sendable () -> ProfileTables = { ProfileTables() }
    package var profiles: ProfileTables { currentProfiles() }
    package var identity = IdentityGraph()
    package var deletions = DataDeletions()
    /// Uid → the sequence number below which its rows are deleted (from `deletions`).
    package var hidden: [UInt32: UInt64] = [:]

    package func days(in range: ClosedRange<Int32>) -> [Int32] {
        var days = MemtableRun.days(runs, tail: chunks, in: range)
        for part in parts where range.contains(part.day) { days.insert(part.day) }
        return days.sorted()
    }

    package func distinctId(of uid: UInt32) -> String { userIds.distinctId(of: uid) }

    package func uid(of distinctId: String) -> UInt32? { userIds.uid(of: distinctId) }

    package func scan(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor {
        guard !hidden.isEmpty else { return try scanAll(request) }
        // Deleted rows are left out here, for every reader: the scan reads uids and sequence
        // numbers to find them, and hands back only what was asked.
        var inner = request
        inner.deliversUids = true
        inner.seqs = true
        let all = try scanAll(inner)
        let hidden = self.hidden
        return EventBlockCursor { () throws(StoreError) -> EventBlock? in
            while var block = try all.next() {
                var keep: [Int] = []
                keep.reserveCapacity(block.count)
                for r in 0..<block.count {
                    if let bound = hidden[block.uids[r]], block.seqs[r] < bound { continue }
                    keep.append(r)
                }
                if keep.isEmpty { continue }
                if keep.count < block.count { block = block.selecting(keep) }
                if !request.seqs { block.seqs = [] }
                if !request.deliversUids { block.uids = [] }
                return block
            }
            return nil
        }
    }

    /// `cursor` without the rows `hidden` deletes (its blocks must carry uids and seqs).
    static func dropping(_ hidden: [UInt32: UInt64], from cursor: EventBlockCursor) -> EventBlockCursor {
        guard !hidden.isEmpty else { return cursor }
        return EventBlockCursor { () throws(StoreError) -> EventBlock? in
            while let block = try cursor.next() {
                guard block.uids.count == block.count, block.seqs.count == block.count else { return block }
                let keep = (0..<block.count).filter { r in
                    guard let bound = hidden[block.uids[r]] else { return true }
                    return block.seqs[r] >= bound
                }
                if keep.isEmpty { continue }
                return keep.count == block.count ? block : block.selecting(keep)
            }
            return nil
        }
    }

    private func scanAll(_ request: ScanRequest) throws(StoreError) -> EventBlockCursor {
        // The memtable's days once per scan, not once per day (each pass reads every row's time).
        let memoryDays = MemtableRun.days(runs, tail: chunks, in: request.days)
        var days = memoryDays.union(parts.map(\.day).filter(request.days.contains)).sorted()[...]
        var current: EventBlockCursor? = nil
        return EventBlockCursor { () throws(StoreError) -> EventBlock? in
            while true {
                if let block = try current?.next() { return block }
                guard let day = days.popFirst() else { return nil }
                current = try dayCursor(day, request, inMemory: memoryDays.contains(day))
            }
        }
    }

    /// The rows of one day.
    private func dayCursor(_ day: Int32, _ request: ScanRequest, inMemory: Bool) throws(StoreError) -> EventBlockCursor {
        let dayParts = parts.filter { $0.day == day }
        if dayParts.count == 1 && !inMemory { return Self.blocks(of: dayParts[0], request) }
        let sourceRequest = MergingCursor.sourceRequest(request)
        var sources = dayParts.map { Self.blocks(of: $0, sourceRequest) }
        if inMemory {
            for run in runs where run.blocksByDay[day] != nil { sources.append(.over(run.blocks(day: day, sourceRequest))) }
            if !chunks.isEmpty {
                sources.append(.over(try MemtableBlocks.blocks(chunks, day: day, request: sourceRequest, userIds: userIds)))
            }
        }
        return try MergingCursor(day: day, request: request, sources: sources).cursor
    }

    /// A part's blocks for a request, read one at a time.
    static func blocks(of part: BlockPart, _ request: ScanRequest) -> EventBlockCursor {
        var indexes = part.blocks(for: request)[...]
        return EventBlockCursor { () throws(StoreError) -> EventBlock? in
            while let i = indexes.popFirst() {
                if let block = try part.block(i, request) { return block }
            }
            return nil
        }
    }
}
