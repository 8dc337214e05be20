// Finds the records of an import file as its bytes stream past, without parsing them: NDJSON
// (one object per line, Mixpanel's raw-export format), objects one after another, or JSON
// arrays of objects (one array or several). It tracks only strings and nesting, so it runs at
// memory speed and holds at most one batch plus one record. Records come out in batches of
// contiguous bytes that workers parse in parallel.
//
// A bad spot costs one record, never the file: a record over the size limit is skipped while
// it streams past (never buffered); in NDJSON a line that ends inside a record is that record's
// failure and the next line starts afresh; text between records that is not an object is
// skipped to the end of its line.
//
// Once a file is known to be NDJSON, a line that starts with `{` and ends with `}` is taken
// whole (its end found with memchr, not walked byte by byte); if it is not one valid object,
// decoding refuses it as that line's record. Every other line is walked. Which way a line goes
// depends only on its own bytes, never on where the reader's chunks end.

#if canImport(Glibc)
import Glibc
#endif

/// A record the splitter refused, with the line it started on (from 1).
package struct ImportRecordFailure: Sendable, Equatable {
    package var line: Int
    package var field: String
    package var code: String
    package var message: String

    package init(line: Int, field: String, code: String, message: String) {
        self.line = line
        self.field = field
        self.code = code
        self.message = message
    }
}

/// Records found together: their bytes back to back, each one's range and first line.
package struct RecordBatch: Sendable {
    package var bytes: [UInt8] = []
    package var ranges: [Range<Int>] = []
    package var lines: [Int] = []
    /// Records refused while splitting (they have no range).
    package var failures: [ImportRecordFailure] = []

    package var isEmpty: Bool { ranges.isEmpty && failures.isEmpty }
}

/// Splits a byte stream into batches of whole top-level JSON objects.
package struct RecordSplitter {
    private let recordBytesMax: Int
    private let batchRecords: Int
    private let batchBytes: Int

    private var batch = RecordBatch()
    private var done: [RecordBatch] = []
    /// Line of the byte being looked at (from 1).
    private var line = 1
    /// Nesting inside the current record; 0 between records.
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Inside a top-level `[ ... ]` of records.
    private var inArray = false
    /// Skipping non-object text up to the end of its line.
    private var skippingLine = false
    /// The current record passed the size limit: its bytes are dropped as they pass.
    private var oversized = false
    private var recordLine = 0
    /// Where the current record's bytes start in `batch.bytes` (when not oversized).
    private var recordStart = 0
    /// Bytes of a UTF-8 byte order mark matched at the start of the stream; -1 once past it.
    private var bomMatched = 0
    /// Decided by the first record outside an array: one object per line (a newline inside a
    /// record is then damage). Records inside arrays may span lines.
    private var lineDelimited: Bool? = nil
    /// At the first byte of a line (outside any record).
    private var atLineStart = true
    /// NDJSON: the start of a line whose end is in a later chunk.
    private var pendingLine: [UInt8] = []

    /// - Parameters:
    ///   - recordBytesMax: records with more JSON text are refused as `record_too_large`.
    ///   - batchRecords, batchBytes: a batch is handed out when it reaches either.
    package init(recordBytesMax: Int, batchRecords: Int = 8192, batchBytes: Int = 4 << 20) {
        self.recordBytesMax = recordBytesMax
        self.batchRecords = batchRecords
        self.batchBytes = batchBytes
    }

    /// Reads `chunk`; returns the batches it completed.
    package mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) -> [RecordBatch] {
        walk(chunk)
        let out = done
        done = []
        return out
    }

    /// Reads `chunk`, handing completed batches to `done`.
    private mutating func walk(_ chunk: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = chunk.count
        // Start of the current record's bytes within this chunk, when it is being kept.
        var keepFrom: Int? = depth > 0 && !oversized ? 0 : nil
        while i < n {
            let b = chunk[i]
            if bomMatched >= 0 {
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if b == bom[bomMatched] {
                    bomMatched = bomMatched == 2 ? -1 : bomMatched + 1
                    i += 1
                    continue
                }
                bomMatched = -1
            }
            if depth == 0 {
                if skippingLine {
                    if b == 0x0A { skippingLine = false; line += 1; atLineStart = true }
                    i += 1
                    continue
                }
                if atLineStart, lineDelimited == true, !inArray {
                    i = takeLine(chunk, from: i)
                    // A line walked from its first part (held back) goes on in this chunk.
                    if depth > 0 && !oversized { keepFrom = i }
                    continue
                }
                switch b {
                case 0x0A:
                    line += 1
                    atLineStart = true
                case 0x20, 0x09, 0x0D: break
                case 0x7B: // {
                    atLineStart = false
                    depth = 1
                    recordLine = line
                    oversized = false
                    recordStart = batch.bytes.count
                    keepFrom = i
                case 0x5B where !inArray: inArray = true // [
                case 0x5D where inArray: inArray = false // ]
                case 0x2C where inArray: break // ,
                default:
                    atLineStart = false
                    fail(line: line, field: "record", code: "record_not_object",
                         message: "line \(line) holds text that is not a JSON object; each record must be an object such as {\"event\": ..., \"properties\": {...}}")
                    skippingLine = true
                }
                i += 1
                continue
            }
            // Inside a record: most bytes only move the nesting or a string's end, so a tight
            // loop over locals takes them, and hands each byte that needs more (a newline, an
            // escape, the record's last brace) to the steps below.
            if !escaped {
                let stop = skimRecord(chunk, from: i)
                if stop != i {
                    i = stop
                    continue
                }
            }
            if b == 0x0A {
                if lineDelimited == true && !inArray {
                    keepFrom = nil
                    brokenLine()
                } else {
                    line += 1
                    escaped = false
                }
                i += 1
                continue
            }
            if inString {
                if escaped {
                    escaped = false
                } else if b != 0x5C && b != 0x22 {
                    // Most bytes are string contents: jump to the next quote, backslash or newline.
                    i = Self.nextStringStop(chunk, from: i + 1)
                    continue
                } else if b == 0x5C {
                    escaped = true
                } else if b == 0x22 {
                    inString = false
                }
            } else {
                switch b {
                case 0x22: inString = true
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 {
                        if lineDelimited == nil && !inArray { lineDelimited = recordLine == line }
                        if let from = keepFrom, !oversized {
                            batch.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[from...i]))
                            if batch.bytes.count - recordStart > recordBytesMax {
                                batch.bytes.removeSubrange(recordStart...)
                                tooLarge()
                            } else {
                                batch.ranges.append(recordStart..<batch.bytes.count)
                                batch.lines.append(recordLine)
                            }
                        } else {
                            tooLarge()
                        }
                        keepFrom = nil
                        handOutIfFull()
                    }
                default: break
                }
            }
            i += 1
        }
        // The record continues in the next chunk: keep what it has so far, unless it is too big.
        if depth > 0, let from = keepFrom, !oversized {
            batch.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[from...]))
            if batch.bytes.count - recordStart > recordBytesMax {
                batch.bytes.removeSubrange(recordStart...)
                oversized = true
            }
        }
    }

    /// NDJSON, at the start of a line: takes the line as a record when it is one `{…}` within
    /// the size limit, or leaves it to the walk. Returns where reading goes on.
    private mutating func takeLine(_ chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = chunk.count
        guard let base = chunk.baseAddress else { return n }
        guard let hit = memchr(base + start, 0x0A, n - start) else {
            // The line ends in a later chunk; past the size limit it can only be walked.
            pendingLine.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<n]))
            if pendingLine.count > recordBytesMax { walkPendingLine() }
            return n
        }
        let newline = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
        if pendingLine.isEmpty {
            if newline - start <= recordBytesMax, takeRecord(UnsafeBufferPointer(rebasing: chunk[start..<newline])) {
                return newline + 1
            }
            atLineStart = false
            return start
        }
        pendingLine.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<newline]))
        if takePendingLine() { return newline + 1 }
        walkPendingLine()
        return newline
    }

    /// A line (without its newline) as the next record, when it is `{…}` between spaces.
    private mutating func takeRecord(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var first = 0, last = text.count - 1
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        while first <= last, isSpace(text[first]) { first += 1 }
        while last > first, isSpace(text[last]) { last -= 1 }
        guard first < last, text[first] == 0x7B, text[last] == 0x7D else { return false }
        let start = batch.bytes.count
        batch.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[first...last]))
        batch.ranges.append(start..<batch.bytes.count)
        batch.lines.append(line)
        line += 1
        handOutIfFull()
        return true
    }

    /// The held-back line as the next record, when it is one; it is then no longer held.
    private mutating func takePendingLine() -> Bool {
        let text = pendingLine
        guard text.count <= recordBytesMax, text.withUnsafeBufferPointer({ takeRecord($0) }) else { return false }
        pendingLine = []
        return true
    }

    /// Walks the held-back start of a line that cannot be taken whole; the rest of the line
    /// is walked as it comes.
    private mutating func walkPendingLine() {
        let bytes = pendingLine
        pendingLine = []
        atLineStart = false
        bytes.withUnsafeBufferPointer { walk($0) }
    }

    /// Walks a record's bytes from `start` while they only change `depth` (above 1) and
    /// `inString`; returns where it stopped: at a newline, a backslash, a brace or bracket
    /// that would close the record, or the chunk's end.
    @inline(__always)
    private mutating func skimRecord(_ chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let p = chunk.baseAddress else { return start }
        let n = chunk.count
        var i = start, d = depth, s = inString
        scan: while i < n {
            let b = p[i]
            if s {
                switch b {
                case 0x22: s = false; i += 1
                case 0x5C, 0x0A: break scan
                default: i = Self.nextStringStop(chunk, from: i + 1)
                }
                continue
            }
            switch b {
            case 0x22: s = true
            case 0x7B, 0x5B: d += 1
            case 0x7D, 0x5D:
                if d == 1 { break scan }
                d -= 1
            case 0x0A: break scan
            default: break
            }
            i += 1
        }
        depth = d
        inString = s
        return i
    }

    /// The first index at or after `start` holding `"`, `\\` or a newline (or the end),
    /// eight bytes at a time.
    @inline(__always)
    static func nextStringStop(_ chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        let n = chunk.count
        if let base = chunk.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let q = v ^ (ones &* 0x22), s = v ^ (ones &* 0x5C), l = v ^ (ones &* 0x0A)
                let hit = ((q &- ones) & ~q) | ((s &- ones) & ~s) | ((l &- ones) & ~l)
                if hit & highs != 0 { break }
                i += 8
            }
        }
        while i < n {
            let b = chunk[i]
            if b == 0x22 || b == 0x5C || b == 0x0A { break }
            i += 1
        }
        return i
    }

    /// Ends the stream; returns the last batch (a record cut off by the end is a failure).
    package mutating func finish() -> RecordBatch? {
        if !pendingLine.isEmpty {
            // The last line, without a newline.
            if !takePendingLine() { walkPendingLine() }
        }
        if depth > 0 {
            if !oversized { batch.bytes.removeSubrange(recordStart...) }
            fail(line: recordLine, field: "record", code: "invalid_json",
                 message: "the record starting on line \(recordLine) is cut off by the end of the file")
            depth = 0
        }
        handOut()
        let out = done.first
        done = []
        return out
    }

    /// Hands the batch out once it holds `batchRecords` records or `batchBytes` bytes.
    private mutating func handOutIfFull() {
        if batch.ranges.count + batch.failures.count >= batchRecords || batch.bytes.count >= batchBytes { handOut() }
    }

    private mutating func handOut() {
        guard !batch.isEmpty else { return }
        done.append(batch)
        batch = RecordBatch()
        batch.bytes.reserveCapacity(batchBytes + 4096)
    }

    private mutating func fail(line: Int, field: String, code: String, message: String) {
        batch.failures.append(ImportRecordFailure(line: line, field: field, code: code, message: message))
    }

    private mutating func tooLarge() {
        fail(line: recordLine, field: "record", code: "record_too_large",
             message: "the record starting on line \(recordLine) is larger than \(recordBytesMax) bytes of JSON; split its properties or drop large values")
    }

    /// NDJSON: the line ended inside a record. The record is damaged; the next line starts afresh.
    private mutating func brokenLine() {
        if !oversized { batch.bytes.removeSubrange(recordStart...) }
        fail(line: recordLine, field: "record", code: "invalid_json",
             message: "line \(recordLine) ends before its JSON object does; each line must hold one whole object")
        depth = 0
        inString = false
        escaped = false
        line += 1
        atLineStart = true
    }
}
