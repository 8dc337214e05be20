// Writes one day's rows, given as blocks already in (uid, time, seq) order with every column,
// into a block part: column chunks block by block, the keys' sorted string dictionaries, then
// the footer. The file appears whole or not at all (temp name, fsync, rename, fsync folder).
//
//   "APUSPRT2" | chunk* | footer | u32 footerBytes | u32 CRC-32C(footer) | "APUSPRT2"
//   chunk := bytes | u32 CRC-32C(bytes)

import ApusStoreCore

/// Writes block parts.
package struct BlockPartWriter {
    package static let magic = Array("APUSPRT2".utf8)
    /// A key's strings are dictionary-coded when it has at most this many distinct values, or
    /// when values repeat on average four times or more; otherwise stored as plain text. A key
    /// with more than this many distinct values in one block, three in four of its rows there,
    /// is taken for plain text at once (its values are not numbered across the part).
    static let dictionaryEntriesMax = 1 << 10

    package let project: Int64
    package let day: Int32
    package let fs: any FileSystem

    package init(project: Int64, day: Int32, fs: any FileSystem) {
        self.project = project
        self.day = day
        self.fs = fs
    }

    /// Writes `blocks` (non-empty, one day, sorted, with seqs, insert ids, all properties and
    /// key order) to `path`, which must not exist.
    package func write(_ blocks: [EventBlock], to path: String) throws(StoreError) {
        let plan = try Plan(blocks, day: day)
        let tmp = path + ".tmp"
        do throws(FileError) {
            let file = try fs.openForWriting(tmp, mode: .createOrTruncate)
            var out = FileOutput(file: file)
            try out.append(Self.magic)
            var infos: [BlockInfo] = []
            for block in blocks { infos.append(try writeBlock(block, plan: plan, to: &out)) }
            var keys = plan.keys
            for (i, entries) in plan.dictionaries.enumerated() {
                guard let entries else { continue }
                var w = BinaryWriter(capacity: entries.reduce(8) { $0 + $1.utf8.count + 2 })
                w.varint(UInt64(entries.count))
                for s in entries { w.string(s) }
                keys[i].dictionary = try out.chunk(w.bytes, cold: true)
            }
            let footer = BlockPartFooter(
                project: project, day: day, rowCount: plan.rowCount, minSeq: plan.minSeq, maxSeq: plan.maxSeq,
                minTimeMs: plan.minTime, maxTimeMs: plan.maxTime, minUid: plan.minUid, maxUid: plan.maxUid,
                names: plan.names, nameRows: plan.nameRows, keys: keys, blocks: infos)
            var w = BinaryWriter(capacity: 4096)
            footer.encode(into: &w)
            let crc = CRC32C.checksum(w.bytes)
            try out.append(w.bytes)
            var tail = BinaryWriter(capacity: 16)
            tail.u32(UInt32(w.bytes.count))
            tail.u32(crc)
            tail.raw(Self.magic)
            try out.append(tail.bytes)
            try out.flush()
            try file.sync()
            if fs.exists(path) { throw FileError(operation: "create", path: path, errno: 17) }
            try fs.rename(tmp, path)
            try fs.syncDirectory(parentDirectory(of: path))
        } catch {
            try? fs.remove(tmp)
            throw .io(error)
        }
    }

    private func writeBlock(_ b: EventBlock, plan: Plan, to out: inout FileOutput) throws(FileError) -> BlockInfo {
        let n = b.count
        let minTime = b.timesMs.min()!, maxTime = b.timesMs.max()!
        var w = BinaryWriter(capacity: n * 4)
        BlockChunks.encodeUids(b.uids, into: &w)
        let uids = try out.chunk(w.take())
        BlockChunks.encodeTimes(b.timesMs, base: minTime, into: &w)
        let times = try out.chunk(w.take())
        let nameMap = b.names.map { plan.nameId($0) }
        var nameMask = [UInt64](repeating: 0, count: (plan.names.count + 63) / 64)
        let partNameIds = b.nameIds.map { nameMap[Int($0)] }
        for id in partNameIds { nameMask[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        // Name ids in whole bytes (8 or 16 bits): every scan reads them, and byte-aligned ids
        // unpack in a widening loop several times faster than odd widths, for ~1/4 byte a row.
        let nameWidth = (BitPacking.width(forMax: UInt32(max(0, plan.names.count - 1))) + 7) / 8 * 8
        BitPacking.encode(partNameIds, width: nameWidth, into: &w)
        let nameIds = try out.chunk(w.take())
        BlockChunks.encodeSeqs(b.seqs, into: &w)
        let seqs = try out.chunk(w.take(), cold: true)
        InsertIdChunk.encode(b.insertIds, into: &w)
        let insertIds = try out.chunk(w.take(), cold: true)
        let keyMap = b.propertyKeys.map { plan.keyIndex[ExactText($0)]! }
        var keyOrder = ChunkRef.none
        if let order = b.keyOrder {
            w.varint(UInt64(order.shapes.count))
            for shape in order.shapes {
                w.varint(UInt64(shape.count))
                for k in shape { w.varint(UInt64(keyMap[Int(k)])) }
            }
            BitPacking.encode(order.shapeOfRow, into: &w)
            keyOrder = try out.chunk(w.take(), cold: true)
        }
        var subColumns: [SubColumnRef] = []
        for (k, p) in b.properties.enumerated() {
            let key = keyMap[k]
            if let s = p.strings {
                BlockChunks.encodePresence(s.present, into: &w)
                let rows = s.present.setRows
                if let size = plan.dictionarySize(key) {
                    w.u8(1)
                    // Entries no present row uses (left by dedupe) are not in the part dictionary.
                    let map = s.dictionary.map { plan.dictionaryId(key, $0) }
                    BitPacking.encode(rows.map { map[Int(s.ids[$0])] }, width: BitPacking.width(forMax: UInt32(max(0, size - 1))), into: &w)
                } else {
                    w.u8(2)
                    var text = StringColumn()
                    for r in rows { text.append(s.dictionary[Int(s.ids[r])]) }
                    BlockChunks.encodeStrings(text, into: &w)
                }
                subColumns.append(SubColumnRef(key: key, type: .strings, chunk: try out.chunk(w.take(), cold: plan.dictionarySize(key) == nil)))
            }
            if let v = p.numbers {
                BlockChunks.encodePresence(v.present, into: &w)
                BlockChunks.encodeNumbers(v.present.setRows.map { v.values[$0] }, into: &w)
                subColumns.append(SubColumnRef(key: key, type: .numbers, chunk: try out.chunk(w.take())))
            }
            if let v = p.booleans {
                BlockChunks.encodePresence(v.present, into: &w)
                let bits = v.values.selecting(v.present.setRows)
                for word in bits.words { w.u64(word) }
                subColumns.append(SubColumnRef(key: key, type: .booleans, chunk: try out.chunk(w.take())))
            }
            if let z = p.nulls {
                BlockChunks.encodePresence(z, into: &w)
                subColumns.append(SubColumnRef(key: key, type: .nulls, chunk: try out.chunk(w.take())))
            }
            for (type, values) in [(ValueType.lists, p.lists), (.objects, p.objects)] {
                guard let values else { continue }
                BlockChunks.encodePresence(values.present, into: &w)
                BlockChunks.encodeStrings(values.text, rows: values.present.setRows, into: &w)
                subColumns.append(SubColumnRef(key: key, type: type, chunk: try out.chunk(w.take(), cold: true)))
            }
        }
        subColumns.sort { ($0.key, $0.type.rawValue) < ($1.key, $1.type.rawValue) }
        return BlockInfo(rowCount: n, minTimeMs: minTime, maxTimeMs: maxTime, minUid: b.uids.first!, maxUid: b.uids.last!,
                         names: nameMask, uids: uids, times: times, nameIds: nameIds, seqs: seqs, insertIds: insertIds,
                         keyOrder: keyOrder, properties: subColumns)
    }

    /// What the first pass over the blocks learns: names, keys, types, dictionaries, ranges.
    /// Names and string values are numbered by their bytes (no `String` hashing per row).
    struct Plan {
        var names: [String] = [], nameRows: [Int] = []
        private var nameTable = ByteStringTable()
        /// Per `nameTable` entry, its position in the sorted `names`.
        private var nameRank: [UInt32] = []
        var keys: [KeyInfo] = [], keyIndex: [ExactText: UInt32] = [:]
        /// Per key, its sorted dictionary when dictionary-coded.
        var dictionaries: [[String]?] = []
        /// Per dictionary-coded key: its strings numbered by bytes, and each one's sorted position.
        private var dictionaryIndex: [UInt32: (table: ByteStringTable, rank: [UInt32])] = [:]
        var rowCount = 0
        var minSeq = UInt64.max, maxSeq: UInt64 = 0
        var minTime = Int64.max, maxTime = Int64.min
        var minUid = UInt32.max, maxUid: UInt32 = 0

        init(_ blocks: [EventBlock], day: Int32) throws(StoreError) {
            guard !blocks.isEmpty else { throw StoreError(.partWriteFailed, "a part needs at least one row") }
            var nameCounts: [Int] = []
            var keyOrder: [String] = []
            var counts: [ExactText: [Int]] = [:]
            var strings: [ExactText: ByteStringTable] = [:]
            var stringRows: [ExactText: Int] = [:]
            // Keys whose strings already have too many distinct values for a dictionary even if
            // every row of the part held one: their values are not numbered any further.
            var plain = Set<ExactText>()
            let partRows = blocks.reduce(0) { $0 + $1.count }
            var previous: (UInt32, Int64, UInt64)? = nil
            for b in blocks {
                guard b.count > 0, b.count <= EventBlock.rowsMax, b.seqs.count == b.count, b.insertIds.count == b.count,
                      b.keyOrder != nil || b.propertyKeys.isEmpty else {
                    throw StoreError(.partWriteFailed, "a part's blocks need 1…\(EventBlock.rowsMax) rows with seqs, insert ids and key order")
                }
                var local = [Int](repeating: 0, count: b.names.count)
                for r in 0..<b.count {
                    let key = (b.uids[r], b.timesMs[r], b.seqs[r])
                    if let p = previous, key < p { throw StoreError(.partWriteFailed, "rows are not in (uid, time, seq) order") }
                    previous = key
                    guard Int32(truncatingIfNeeded: floorDiv(b.timesMs[r], 86_400_000)) == day else {
                        throw StoreError(.partWriteFailed, "a row at \(b.timesMs[r]) ms is not on day \(day)")
                    }
                    local[Int(b.nameIds[r])] += 1
                    minSeq = min(minSeq, b.seqs[r]); maxSeq = max(maxSeq, b.seqs[r])
                }
                for (i, rows) in local.enumerated() where rows > 0 {
                    let (id, inserted) = nameTable.id(of: b.names[i])
                    if inserted { nameCounts.append(0); names.append(b.names[i]) }
                    nameCounts[Int(id)] += rows
                }
                minTime = min(minTime, b.timesMs.min()!); maxTime = max(maxTime, b.timesMs.max()!)
                minUid = min(minUid, b.uids.first!); maxUid = max(maxUid, b.uids.last!)
                rowCount += b.count
                for (k, p) in b.properties.enumerated() {
                    let key = b.propertyKeys[k]
                    let exactKey = ExactText(key)
                    if counts[exactKey] == nil {
                        keyOrder.append(key)
                        counts[exactKey] = [Int](repeating: 0, count: ValueType.allCases.count)
                    }
                    let typed: [(ValueType, Bitmap?)] = [(.strings, p.strings?.present), (.numbers, p.numbers?.present),
                                                         (.booleans, p.booleans?.present), (.nulls, p.nulls),
                                                         (.lists, p.lists?.present), (.objects, p.objects?.present)]
                    for (type, present) in typed { if let present { counts[exactKey]![Int(type.rawValue) - 1] += present.setCount } }
                    if let s = p.strings, !plain.contains(exactKey) {
                        if s.perRow || (s.dictionary.count > BlockPartWriter.dictionaryEntriesMax && s.dictionary.count * 4 > s.present.setCount * 3) {
                            // Mostly distinct in one block: text, without numbering the rest.
                            plain.insert(exactKey)
                            strings.removeValue(forKey: exactKey)
                        } else {
                            // Entries no present row uses (left by dedupe) stay out of the part.
                            var used = [Bool](repeating: false, count: s.dictionary.count)
                            s.ids.withUnsafeBufferPointer { ids in s.present.forEachSet { used[Int(ids[$0])] = true } }
                            var table = strings.removeValue(forKey: exactKey) ?? ByteStringTable()
                            for (i, isUsed) in used.enumerated() where isUsed { _ = table.id(of: s.dictionary[i]) }
                            if table.count > BlockPartWriter.dictionaryEntriesMax && table.count * 4 > partRows {
                                plain.insert(exactKey)
                            } else {
                                strings[exactKey] = table
                            }
                        }
                        stringRows[exactKey, default: 0] += s.present.setCount
                    }
                }
            }
            let nameOrder = names.indices.sorted { utf8Compare(names[$0], names[$1]) < 0 }
            nameRank = [UInt32](repeating: 0, count: names.count)
            for (rank, id) in nameOrder.enumerated() { nameRank[id] = UInt32(rank) }
            nameRows = nameOrder.map { nameCounts[$0] }
            names = nameOrder.map { names[$0] }
            keyOrder.sort { utf8Compare($0, $1) < 0 }
            for (i, key) in keyOrder.enumerated() {
                let exactKey = ExactText(key)
                keyIndex[exactKey] = UInt32(i)
                keys.append(KeyInfo(key: key, rowsByType: counts[exactKey]!, dictionary: nil))
                var dictionary: [String]? = nil
                if let table = strings[exactKey], table.count <= BlockPartWriter.dictionaryEntriesMax || table.count * 4 <= stringRows[exactKey]! {
                    let values = (0..<table.count).map { table.string($0) }
                    let order = values.indices.sorted { utf8Compare(values[$0], values[$1]) < 0 }
                    var rank = [UInt32](repeating: 0, count: values.count)
                    for (r, id) in order.enumerated() { rank[id] = UInt32(r) }
                    dictionary = order.map { values[$0] }
                    dictionaryIndex[UInt32(i)] = (table, rank)
                }
                dictionaries.append(dictionary)
            }
        }

        /// `name`'s position in the part's sorted names (it must be one of them).
        func nameId(_ name: String) -> UInt32 {
            nameTable.find(name).map { nameRank[Int($0)] } ?? 0
        }

        /// Whether key `key` is dictionary-coded, and its entry count.
        func dictionarySize(_ key: UInt32) -> Int? { dictionaryIndex[key]?.rank.count }

        /// `value`'s position in key `key`'s sorted dictionary (0 when absent: unused entries).
        func dictionaryId(_ key: UInt32, _ value: String) -> UInt32 {
            guard let (table, rank) = dictionaryIndex[key], let id = table.find(value) else { return 0 }
            return rank[Int(id)]
        }
    }
}

/// Buffered output that knows its offset.
struct FileOutput {
    let file: any WritableFile
    var buffer: [UInt8] = []
    var offset: UInt64 = 0

    init(file: any WritableFile) {
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(_ bytes: [UInt8]) throws(FileError) {
        buffer.append(contentsOf: bytes)
        offset += UInt64(bytes.count)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes a chunk: `u8 codec` (0 plain, 1 zstd: `varint size` and a zstd frame) and the
    /// bytes, then their CRC-32C; returns where they lie. `cold` chunks are compressed when that
    /// saves a tenth or more.
    mutating func chunk(_ bytes: [UInt8], cold: Bool = false) throws(FileError) -> ChunkRef {
        var body = BinaryWriter(capacity: bytes.count + 8)
        if cold && bytes.count >= 64, case let z = Zstd.compress(bytes), !z.isEmpty, z.count + 10 < bytes.count - bytes.count / 10 {
            body.u8(1)
            body.varint(UInt64(bytes.count))
            body.raw(z)
        } else {
            body.u8(0)
            body.raw(bytes)
        }
        let ref = ChunkRef(offset: offset, length: UInt32(body.bytes.count))
        try append(body.bytes)
        var crc = BinaryWriter(capacity: 4)
        crc.u32(CRC32C.checksum(body.bytes))
        try append(crc.bytes)
        return ref
    }

    mutating func flush() throws(FileError) {
        if buffer.isEmpty { return }
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
