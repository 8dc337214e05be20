// An open block part: its footer in memory, its column chunks read on demand (pread) through
// the shared BlockCache. A scan prunes blocks by time, user and event name from the footer,
// then reads only the chunks of the columns the request asked for.

import ApusStoreCore

/// A block part, opened.
package final class BlockPart: Sendable {
    package let path: String
    let footer: BlockPartFooter
    /// Key → its index in the footer, made once (scans name keys per block).
    private let keyIndex: [ExactText: Int]
    private let file: any ReadableFile
    private let cache: BlockCache
    private let number: UInt64

    /// Opens `path`, reading and checking only the footer.
    package init(path: String, fs: any FileSystem, cache: BlockCache) throws(StoreError) {
        self.path = path
        self.cache = cache
        number = cache.partNumber()
        do throws(FileError) { file = try fs.openForReading(path) } catch { throw .io(error) }
        let magic = BlockPartWriter.magic
        let size = file.size
        guard size >= 2 * magic.count + 8 else { throw Self.damaged(path, "shorter than a part can be") }
        let tail = try Self.read(file, at: size - 16, count: 16)
        let head = try Self.read(file, at: 0, count: 8)
        if head == Array("APUSPRT1".utf8) {
            throw StoreError(.partFormatUnsupported, "\(path) is in part format version 1 (APUSPRT1), which this version of Apus no longer reads (it reads version 2, APUSPRT2); export the data with the Apus version that wrote it and import it again")
        }
        guard Array(tail[8..<16]) == magic, head == magic else {
            throw Self.damaged(path, "not a block part (magic missing)")
        }
        let footerBytes = Int(tail.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        let crc = tail.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
        guard footerBytes <= size - 16 - magic.count else { throw Self.damaged(path, "footer length \(footerBytes) exceeds the file") }
        let bytes = try Self.read(file, at: size - 16 - footerBytes, count: footerBytes)
        guard CRC32C.checksum(bytes) == crc else { throw Self.damaged(path, "footer checksum mismatch") }
        let decoded: Result<BlockPartFooter, DecodeFailure> = bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            do throws(DecodeFailure) { return .success(try BlockPartFooter.decode(&r, fileBytes: size)) } catch { return .failure(error) }
        }
        switch decoded {
        case .success(let f): footer = f
        case .failure(let e): throw Self.damaged(path, "footer: \(e.reason) at byte \(e.offset)")
        }
        keyIndex = Dictionary(footer.keys.enumerated().map { (ExactText($1.key), $0) }, uniquingKeysWith: { a, _ in a })
    }

    package var day: Int32 { footer.day }
    package var rowCount: Int { footer.rowCount }
    package var minSeq: UInt64 { footer.minSeq }
    package var maxSeq: UInt64 { footer.maxSeq }
    /// The highest uid any row holds.
    package var maxUid: UInt32 { footer.maxUid }
    /// Event names with their row counts (the part's catalogue).
    package var eventNames: [(name: String, rows: Int)] { Array(zip(footer.names, footer.nameRows)) }
    /// Property keys with the rows holding each.
    package var propertyKeys: [(key: String, rows: Int)] { footer.keys.map { ($0.key, $0.rowsByType.reduce(0, +)) } }
    package var blockCount: Int { footer.blocks.count }
    /// The file's size in bytes.
    package var byteCount: Int { file.size }

    /// Drops this part's chunks from the cache (after it is deleted).
    package func forgetCached() { cache.forget(part: number) }

    // MARK: Scanning

    /// The blocks a request may need, after pruning by time, user and event name.
    package func blocks(for request: ScanRequest) -> [Int] {
        guard request.days.contains(footer.day) else { return [] }
        let wanted = wantedNames(request)
        if let wanted, wanted.isEmpty { return [] }
        return footer.blocks.indices.filter { i in
            let b = footer.blocks[i]
            if let t = request.timeMs, b.maxTimeMs < t.lowerBound || b.minTimeMs >= t.upperBound { return false }
            if let u = request.uids, b.maxUid < u.lowerBound || b.minUid >= u.upperBound { return false }
            if let wanted, !wanted.contains(where: { b.holds(name: $0) }) { return false }
            return true
        }
    }

    /// Indexes of the part's names the request keeps (compared by their exact bytes).
    private func wantedNames(_ request: ScanRequest) -> [Int]? {
        request.eventNames.map { names in
            let exact = Set(names.map(ExactText.init))
            return footer.names.indices.filter { exact.contains(ExactText(footer.names[$0])) }
        }
    }

    /// Block `i` with the request's columns and only its rows; nil when none remain.
    package func block(_ i: Int, _ request: ScanRequest) throws(StoreError) -> EventBlock? {
        let info = footer.blocks[i]
        let n = info.rowCount
        // Uids and times only when asked for or needed to filter: a count by event reads names alone.
        // Times are needed to filter only when the request's range cuts into the block.
        let timeCut = request.timeMs.map { !($0.contains(info.minTimeMs) && $0.contains(info.maxTimeMs)) } ?? false
        let readUids = request.deliversUids || request.uids != nil
        let readTimes = request.deliversTimes || timeCut
        let uids: [UInt32] = readUids ? try decoded(info.uids, .uids, keep: { uids in
            let narrow = NarrowUids(uids)
            return (narrow, narrow.byteCount)
        }, use: \.widened) { r throws(DecodeFailure) in try BlockChunks.decodeUids(&r, count: n) } : []
        let times: [Int64] = readTimes ? try decoded(info.times, .times, rows: n, bytesPerRow: 8) { r throws(DecodeFailure) in try BlockChunks.decodeTimes(&r, count: n, base: info.minTimeMs) } : []
        let nameBound = UInt32(footer.names.count)
        let nameIds: [UInt32] = try decoded(info.nameIds, .names, keep: { ids in
            let narrow = NarrowIds(ids, bound: footer.names.count)
            return (narrow, narrow.count * narrow.bytesPerRow)
        }, use: \.widened) { r throws(DecodeFailure) in
            try BitPacking.decode(&r, count: n, bound: nameBound)
        }
        var block = EventBlock(day: footer.day, count: n, uids: uids, timesMs: times, nameIds: nameIds, names: footer.names)
        if request.seqs {
            block.seqs = try decoded(info.seqs, .seqs, rows: n, bytesPerRow: 8) { r throws(DecodeFailure) in try BlockChunks.decodeSeqs(&r, count: n) }
        }
        if request.insertIds {
            block.insertIds = try decoded(info.insertIds, .insertIds, rows: n) { r throws(DecodeFailure) in try InsertIdChunk.decode(&r, count: n) }
        }
        try readProperties(info, request, into: &block)
        // Rows the block's ranges did not rule out but the request does.
        let wanted = request.filtersRowsByName ? wantedNames(request) : nil
        if timeCut || request.uids != nil || wanted != nil {
            var nameOK = [Bool](repeating: wanted == nil, count: footer.names.count)
            for i in wanted ?? [] { nameOK[i] = true }
            let range = timeCut ? request.timeMs : nil
            let users = request.uids
            var keep: [Int] = []
            keep.reserveCapacity(n)
            nameIds.withUnsafeBufferPointer { names in
                for r in 0..<n where nameOK[Int(names[r])] {
                    if let range, !range.contains(times[r]) { continue }
                    if let users, !users.contains(uids[r]) { continue }
                    keep.append(r)
                }
            }
            if keep.isEmpty { return nil }
            if keep.count < n { block = block.selecting(keep) }
        }
        return block
    }

    private func readProperties(_ info: BlockInfo, _ request: ScanRequest, into block: inout EventBlock) throws(StoreError) {
        let n = info.rowCount
        var keys: [Int] = []
        switch request.properties {
        case .none: return
        case .all:
            var seen = Set<Int>()
            for p in info.properties where seen.insert(Int(p.key)).inserted { keys.append(Int(p.key)) }
        case .keys(let wanted):
            var seen = Set<ExactText>()
            for key in wanted where seen.insert(ExactText(key)).inserted {
                block.propertyKeys.append(key)
                block.properties.append(PropertyBlock())
                keys.append(keyIndex[ExactText(key)] ?? -1)
            }
        }
        if case .all = request.properties {
            block.propertyKeys = keys.map { footer.keys[$0].key }
            block.properties = Array(repeating: PropertyBlock(), count: keys.count)
        }
        var slot: [Int: Int] = [:]
        for (i, k) in keys.enumerated() where k >= 0 { slot[k] = i }
        for sub in info.properties where request.deliversPropertyValues {
            guard let i = slot[Int(sub.key)] else { continue }
            try readSubColumn(sub, rowCount: n, into: &block.properties[i])
        }
        if request.keyOrder, info.keyOrder.length > 0 {
            let order: (shapes: [[UInt32]], shapeOfRow: [UInt32]) = try decoded(info.keyOrder, .keyOrder, rows: n) { r throws(DecodeFailure) in
                let count = try r.length()
                var shapes: [[UInt32]] = []
                for _ in 0..<count {
                    let len = try r.length()
                    var shape: [UInt32] = []
                    for _ in 0..<len { shape.append(UInt32(truncatingIfNeeded: try r.varint())) }
                    shapes.append(shape)
                }
                return (shapes, try BitPacking.decode(&r, count: n, bound: UInt32(count)))
            }
            block.keyOrder = EventBlock.KeyOrder(
                shapes: order.shapes.map { shape in shape.compactMap { slot[Int($0)].map(UInt32.init) } },
                shapeOfRow: order.shapeOfRow)
        } else if request.keyOrder {
            block.keyOrder = EventBlock.KeyOrder(shapes: [[]], shapeOfRow: [UInt32](repeating: 0, count: n))
        }
    }

    private func readSubColumn(_ sub: SubColumnRef, rowCount n: Int, into p: inout PropertyBlock) throws(StoreError) {
        switch sub.type {
        case .strings:
            let dictionary: [String]? = try footer.keys[Int(sub.key)].dictionary.map { ref throws(StoreError) in
                try decoded(ref, .dictionary) { r throws(DecodeFailure) in
                    let count = try r.length()
                    var out: [String] = []
                    out.reserveCapacity(count)
                    for _ in 0..<count { out.append(try r.string()) }
                    return out
                }
            }
            // Kept in the cache with narrow ids (see `NarrowIds`), handed out wide.
            p.strings = try decoded(sub.chunk, .strings, keep: { v in
                let ids = NarrowIds(v.ids, bound: v.dictionary.count)
                // A block's own dictionary (plain text) is held here; the key's is cached once.
                let shared = dictionary.map { d in
                    d.withUnsafeBufferPointer { a in v.dictionary.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress && a.count == b.count } }
                } ?? false
                let own = shared ? 0 : v.dictionary.reduce(0) { $0 + $1.utf8.count + 16 }
                return (CachedStrings(present: v.present, ids: ids, dictionary: v.dictionary),
                        ids.count * ids.bytesPerRow + v.present.words.count * 8 + own)
            }, use: { StringValues(present: $0.present, ids: $0.ids.widened, dictionary: $0.dictionary) }) { r throws(DecodeFailure) in
                let present = try BlockChunks.decodePresence(&r, count: n)
                let at = r.offset
                if present.count > 0 && present.setCount == n, try r.u8() == 1 {
                    // Every row holds a dictionary string: the ids are the packed values.
                    guard let dictionary else { throw DecodeFailure(offset: at, reason: "dictionary-coded strings of a key without a dictionary") }
                    let ids = try BitPacking.decode(&r, count: n, bound: UInt32(dictionary.count))
                    return StringValues(present: present, ids: ids, dictionary: dictionary)
                }
                r.offset = at
                let rows = present.setRows
                var ids = [UInt32](repeating: 0, count: n)
                switch try r.u8() {
                case 1:
                    guard let dictionary else { throw DecodeFailure(offset: at, reason: "dictionary-coded strings of a key without a dictionary") }
                    let packed = try BitPacking.decode(&r, count: rows.count, bound: UInt32(dictionary.count))
                    for (j, row) in rows.enumerated() { ids[row] = packed[j] }
                    return StringValues(present: present, ids: ids, dictionary: dictionary)
                case 2:
                    // Plain text: the block's own dictionary, each string once.
                    let text = try BlockChunks.decodeStrings(&r, count: rows.count, rowCount: rows.count)
                    // Numbered by their bytes: no String is hashed, and one is made per distinct value.
                    var strings: [String] = []
                    var table = ByteStringTable(capacity: rows.count)
                    text.arena.withUnsafeBufferPointer { arena in
                        for (j, row) in rows.enumerated() {
                            let bytes = UnsafeBufferPointer(rebasing: arena[text.range(of: j)])
                            let (id, inserted) = table.id(of: bytes)
                            if inserted { strings.append(String(decoding: bytes, as: UTF8.self)) }
                            ids[row] = id
                        }
                    }
                    return StringValues(present: present, ids: ids, dictionary: strings)
                case let form: throw DecodeFailure(offset: at, reason: "unknown strings form \(form)")
                }
            }
        case .numbers:
            p.numbers = try decoded(sub.chunk, .numbers, rows: n) { r throws(DecodeFailure) in
                let present = try BlockChunks.decodePresence(&r, count: n)
                let rows = present.setRows
                let packed = try BlockChunks.decodeNumbers(&r, count: rows.count)
                var values = [Double](repeating: 0, count: n)
                for (j, row) in rows.enumerated() { values[row] = packed[j] }
                return NumberValues(present: present, values: values)
            }
        case .booleans:
            p.booleans = try decoded(sub.chunk, .booleans, rows: n) { r throws(DecodeFailure) in
                let present = try BlockChunks.decodePresence(&r, count: n)
                let rows = present.setRows
                var words = [UInt64](repeating: 0, count: (rows.count + 63) / 64)
                for i in words.indices { words[i] = try r.u64() }
                let packed = Bitmap(words: words, count: rows.count)
                var values = Bitmap(count: n)
                for (j, row) in rows.enumerated() where packed[j] { values[row] = true }
                return BooleanValues(present: present, values: values)
            }
        case .nulls:
            p.nulls = try decoded(sub.chunk, .nulls, rows: n) { r throws(DecodeFailure) in try BlockChunks.decodePresence(&r, count: n) }
        case .lists, .objects:
            let values: JSONTextValues = try decoded(sub.chunk, .texts, rows: n) { r throws(DecodeFailure) in
                let present = try BlockChunks.decodePresence(&r, count: n)
                let rows = present.setRows
                return JSONTextValues(present: present, text: try BlockChunks.decodeStrings(&r, count: rows.count, rows: rows, rowCount: n))
            }
            if sub.type == .lists { p.lists = values } else { p.objects = values }
        }
    }

    // MARK: Reading chunks

    /// What a chunk is decoded as (part of the cache key).
    enum ChunkKind: UInt8 {
        case uids = 1, times, names, seqs, insertIds, keyOrder, dictionary, strings, numbers, booleans, nulls, texts
    }

    /// A chunk decoded by `decode`, through the cache.
    /// `rows`: the rows the decoded value spans (dense columns cost up to ~9 bytes a row
    /// besides their bytes), for the cache's accounting.
    /// A chunk decoded, through the cache. Its cost there is the chunk's bytes plus
    /// `bytesPerRow` per row (4 for an array of 32-bit ids, 8 for times and seqs, 9 as a rough
    /// figure for the nested column types).
    private func decoded<T: Sendable>(_ ref: ChunkRef, _ kind: ChunkKind, rows: Int = 0, bytesPerRow: Int = 9, _ decode: (inout BinaryReader) throws(DecodeFailure) -> T) throws(StoreError) -> T {
        try cache.value(BlockCache.Key(part: number, offset: ref.offset, length: ref.length, kind: kind.rawValue)) { () throws(StoreError) -> (T, bytes: Int) in
            let (value, size) = try decodeChunk(ref, decode)
            return (value, size + rows * bytesPerRow + 64)
        }
    }

    /// A chunk decoded as `T` but kept in the cache as `keep` makes it (with the bytes that
    /// holds); a hit is turned back into `T` by `use`.
    private func decoded<T: Sendable, Kept: Sendable>(
        _ ref: ChunkRef, _ kind: ChunkKind, keep: (T) -> (Kept, bytes: Int), use: (Kept) -> T,
        _ decode: (inout BinaryReader) throws(DecodeFailure) -> T
    ) throws(StoreError) -> T {
        var fresh: T? = nil
        let kept: Kept = try cache.value(BlockCache.Key(part: number, offset: ref.offset, length: ref.length, kind: kind.rawValue)) { () throws(StoreError) -> (Kept, bytes: Int) in
            let (value, _) = try decodeChunk(ref, decode)
            fresh = value
            let (held, bytes) = keep(value)
            return (held, bytes + 64)
        }
        return fresh ?? use(kept)
    }

    /// A chunk's bytes decoded by `decode`, which must use all of them, and how many bytes
    /// the chunk held (decompressed).
    private func decodeChunk<T>(_ ref: ChunkRef, _ decode: (inout BinaryReader) throws(DecodeFailure) -> T) throws(StoreError) -> (T, Int) {
        let bytes = try chunk(ref)
        let result: Result<T, DecodeFailure> = bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            do throws(DecodeFailure) {
                let v = try decode(&r)
                guard r.isAtEnd else { throw DecodeFailure(offset: r.offset, reason: "\(buf.count - r.offset) bytes left over") }
                return .success(v)
            } catch { return .failure(error) }
        }
        switch result {
        case .success(let v): return (v, bytes.count)
        case .failure(let e): throw Self.damaged(path, "chunk at byte \(ref.offset): \(e.reason) at \(e.offset)")
        }
    }

    /// A chunk's bytes, checksum verified and decompressed.
    private func chunk(_ ref: ChunkRef) throws(StoreError) -> [UInt8] {
        let bytes = try Self.read(file, at: Int(ref.offset), count: Int(ref.length) + 4)
        let length = Int(ref.length)
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: length, as: UInt32.self)) }
        guard CRC32C.checksum(bytes, range: 0..<length) == stored else {
            throw Self.damaged(path, "checksum mismatch in the chunk at byte \(ref.offset)")
        }
        guard length > 0 else { throw Self.damaged(path, "empty chunk at byte \(ref.offset)") }
        switch bytes[0] {
        case 0:
            return Array(bytes[1..<length])
        case 1:
            let header: Result<(Int, Int), DecodeFailure> = bytes.withUnsafeBytes { buf in
                var r = BinaryReader(buf, start: 1, end: length)
                do throws(DecodeFailure) {
                    let size = try r.varint()
                    guard size <= 1 << 30 else { throw DecodeFailure(offset: 1, reason: "size \(size)") }
                    return .success((Int(size), r.offset))
                } catch { return .failure(error) }
            }
            guard case .success(let (size, start)) = header, let raw = Zstd.decompress(bytes[start..<length], size: size) else {
                throw Self.damaged(path, "the compressed chunk at byte \(ref.offset) does not decompress")
            }
            return raw
        case let codec:
            throw Self.damaged(path, "the chunk at byte \(ref.offset) has unknown codec \(codec)")
        }
    }

    private static func read(_ file: any ReadableFile, at offset: Int, count: Int) throws(StoreError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let r: Result<Void, FileError> = out.withUnsafeMutableBytes { buf in
            do throws(FileError) { try file.read(at: offset, into: buf); return .success(()) } catch { return .failure(error) }
        }
        do throws(FileError) { try r.get() } catch { throw .io(error) }
        return out
    }

    static func damaged(_ path: String, _ what: String) -> StoreError {
        StoreError(.partDamaged, "\(path): \(what); move the file aside and rebuild the day from the WAL or a backup (`apus verify` lists damaged parts)")
    }
}

/// A strings chunk as the cache keeps it (ids narrow).
struct CachedStrings: Sendable {
    var present: Bitmap
    var ids: NarrowIds
    var dictionary: [String]
}
