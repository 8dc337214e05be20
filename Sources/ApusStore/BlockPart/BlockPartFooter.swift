// The footer of a block part: everything needed to plan a scan without reading a row — the
// part's range (day, seqs, times, uids), its catalogue (event names with row counts, property
// keys with per-type counts), and per block its ranges, the names it holds and where each
// column chunk lies. Opening a part reads only this (docs/on-disk-format.md, "Block parts").

import ApusStoreCore

/// Where a chunk lies in the file: `length` bytes at `offset`, then its u32 CRC-32C.
struct ChunkRef: Sendable, Equatable {
    var offset: UInt64
    var length: UInt32

    static let none = ChunkRef(offset: 0, length: 0)
}

/// The JSON types a property sub-column holds (tags are part of the format).
enum ValueType: UInt8, Sendable, CaseIterable {
    case strings = 1, numbers = 2, booleans = 3, nulls = 4, lists = 5, objects = 6
}

/// A property key of the part.
struct KeyInfo: Sendable, Equatable {
    var key: String
    /// Rows holding the key, per type (indexed by `ValueType.rawValue - 1`).
    var rowsByType: [Int]
    /// The key's sorted string dictionary, when its strings are dictionary-coded.
    var dictionary: ChunkRef?
}

/// One property sub-column of a block.
struct SubColumnRef: Sendable, Equatable {
    var key: UInt32
    var type: ValueType
    var chunk: ChunkRef
}

/// One block of rows.
struct BlockInfo: Sendable, Equatable {
    var rowCount: Int
    var minTimeMs: Int64
    var maxTimeMs: Int64
    var minUid: UInt32
    var maxUid: UInt32
    /// Bit i set when the block holds part event name i.
    var names: [UInt64]
    var uids: ChunkRef
    var times: ChunkRef
    var nameIds: ChunkRef
    var seqs: ChunkRef
    var insertIds: ChunkRef
    var keyOrder: ChunkRef
    var properties: [SubColumnRef]

    func holds(name: Int) -> Bool { names[name >> 6] & (1 << UInt64(name & 63)) != 0 }
}

/// A part's footer.
struct BlockPartFooter: Sendable, Equatable {
    var project: Int64
    var day: Int32
    var rowCount: Int
    var minSeq: UInt64
    var maxSeq: UInt64
    var minTimeMs: Int64
    var maxTimeMs: Int64
    var minUid: UInt32
    var maxUid: UInt32
    /// Event names, sorted, with their row counts.
    var names: [String]
    var nameRows: [Int]
    var keys: [KeyInfo]
    var blocks: [BlockInfo]

    func encode(into w: inout BinaryWriter) {
        w.u64(UInt64(bitPattern: project))
        w.u32(UInt32(bitPattern: day))
        w.varint(UInt64(rowCount))
        w.u64(minSeq)
        w.u64(maxSeq)
        w.zigzag(minTimeMs)
        w.zigzag(maxTimeMs)
        w.u32(minUid)
        w.u32(maxUid)
        w.varint(UInt64(names.count))
        for (name, rows) in zip(names, nameRows) {
            w.string(name)
            w.varint(UInt64(rows))
        }
        w.varint(UInt64(keys.count))
        for k in keys {
            w.string(k.key)
            for n in k.rowsByType { w.varint(UInt64(n)) }
            Self.encode(k.dictionary ?? .none, into: &w)
        }
        w.varint(UInt64(blocks.count))
        for b in blocks {
            w.varint(UInt64(b.rowCount))
            w.zigzag(b.minTimeMs)
            w.zigzag(b.maxTimeMs)
            w.u32(b.minUid)
            w.u32(b.maxUid)
            for word in b.names { w.u64(word) }
            for c in [b.uids, b.times, b.nameIds, b.seqs, b.insertIds, b.keyOrder] { Self.encode(c, into: &w) }
            w.varint(UInt64(b.properties.count))
            for p in b.properties {
                w.varint(UInt64(p.key))
                w.u8(p.type.rawValue)
                Self.encode(p.chunk, into: &w)
            }
        }
    }

    static func encode(_ c: ChunkRef, into w: inout BinaryWriter) {
        w.varint(c.offset)
        w.varint(UInt64(c.length))
    }

    static func decodeChunk(_ r: inout BinaryReader, fileBytes: Int) throws(DecodeFailure) -> ChunkRef {
        let offset = try r.varint()
        let length = try r.varint()
        let size = UInt64(fileBytes)
        let inside = length == 0 ? offset == 0 : (offset <= size && length <= UInt64(UInt32.max) && length + 4 <= size - offset)
        guard inside else {
            throw DecodeFailure(offset: r.offset, reason: "chunk at \(offset) of \(length) bytes lies outside the file")
        }
        return ChunkRef(offset: offset, length: UInt32(length))
    }

    /// A count read from the footer, refused above `max` (so no later arithmetic can overflow).
    static func count(_ r: inout BinaryReader, max: Int) throws(DecodeFailure) -> Int {
        let at = r.offset
        let v = try r.varint()
        guard v <= UInt64(max) else { throw DecodeFailure(offset: at, reason: "count \(v) above \(max)") }
        return Int(v)
    }

    static func decode(_ r: inout BinaryReader, fileBytes: Int) throws(DecodeFailure) -> BlockPartFooter {
        let project = Int64(bitPattern: try r.u64())
        let day = Int32(bitPattern: try r.u32())
        let rowCount = try count(&r, max: 1 << 40)
        let minSeq = try r.u64(), maxSeq = try r.u64()
        let minTime = try r.zigzag(), maxTime = try r.zigzag()
        let minUid = try r.u32(), maxUid = try r.u32()
        let dayStart = Int64(day) * 86_400_000
        guard minSeq <= maxSeq, minUid <= maxUid, minTime <= maxTime, minTime >= dayStart, maxTime < dayStart + 86_400_000 else {
            throw DecodeFailure(offset: r.offset, reason: "the part's seq, uid or time range is inconsistent with its day")
        }
        let nameCount = try r.length()
        var names: [String] = [], nameRows: [Int] = []
        for _ in 0..<nameCount {
            names.append(try r.string())
            nameRows.append(try count(&r, max: rowCount))
        }
        let keyCount = try r.length()
        var keys: [KeyInfo] = []
        for _ in 0..<keyCount {
            let key = try r.string()
            var counts: [Int] = []
            for _ in ValueType.allCases { counts.append(try count(&r, max: rowCount)) }
            let dict = try decodeChunk(&r, fileBytes: fileBytes)
            keys.append(KeyInfo(key: key, rowsByType: counts, dictionary: dict.length == 0 ? nil : dict))
        }
        let blockCount = try r.length()
        var blocks: [BlockInfo] = []
        let nameWords = (nameCount + 63) / 64
        var blockRows = 0
        for _ in 0..<blockCount {
            let rows = try count(&r, max: EventBlock.rowsMax)
            let tMin = try r.zigzag(), tMax = try r.zigzag()
            let uMin = try r.u32(), uMax = try r.u32()
            guard rows > 0, tMin <= tMax, tMin >= minTime, tMax <= maxTime, uMin <= uMax, uMin >= minUid, uMax <= maxUid else {
                throw DecodeFailure(offset: r.offset, reason: "a block's rows, time or uid range is inconsistent with the part's")
            }
            blockRows += rows
            var words: [UInt64] = []
            for _ in 0..<nameWords { words.append(try r.u64()) }
            var chunks: [ChunkRef] = []
            for _ in 0..<6 { chunks.append(try decodeChunk(&r, fileBytes: fileBytes)) }
            let propertyCount = try r.length()
            var props: [SubColumnRef] = []
            for _ in 0..<propertyCount {
                let key = try r.varint()
                let at = r.offset
                guard let type = ValueType(rawValue: try r.u8()), key < UInt64(keyCount) else {
                    throw DecodeFailure(offset: at, reason: "property sub-column of unknown key or type")
                }
                props.append(SubColumnRef(key: UInt32(key), type: type, chunk: try decodeChunk(&r, fileBytes: fileBytes)))
            }
            blocks.append(BlockInfo(rowCount: rows, minTimeMs: tMin, maxTimeMs: tMax, minUid: uMin, maxUid: uMax, names: words,
                                    uids: chunks[0], times: chunks[1], nameIds: chunks[2], seqs: chunks[3],
                                    insertIds: chunks[4], keyOrder: chunks[5], properties: props))
        }
        guard blockRows == rowCount else {
            throw DecodeFailure(offset: r.offset, reason: "blocks hold \(blockRows) rows, the part \(rowCount)")
        }
        return BlockPartFooter(project: project, day: day, rowCount: rowCount, minSeq: minSeq, maxSeq: maxSeq,
                               minTimeMs: minTime, maxTimeMs: maxTime, minUid: minUid, maxUid: maxUid,
                               names: names, nameRows: nameRows, keys: keys, blocks: blocks)
    }
}
