// The profile tables and the identity graph as they stood at a flush boundary, so that opening
// a project reads them back instead of replaying every update and fact since the project began.
// A cache of the update log, never the only copy: recovery applies only the log and WAL frames
// at or past the checkpoint's sequence number, and a checkpoint that is missing or fails its
// checksum is ignored (everything is replayed).
//
//   "APUSPCK1" | u64 throughSeq | u64 bodyLength | u32 CRC-32C(body) | body
//   body  := table(users) | varint groups | (string groupKey | table) × groups |
//            varint links | link × links | varint applied | varint unreadable
//   table := varint rows | (string id | varint uid+1 (0: none) | u8 live) × rows | varint keys |
//            (string key | varint cells | (varint row | value) × cells) × keys
//   link  := u8 kind (1 device-user, 2 identify, 3 alias, 4 merge) | string | string
//   value := ValueCodec
//
// Written to a temp file, fsynced, renamed over the old one, directory fsynced.

import ApusModel
import ApusStoreCore

/// Reads and writes `projects/<id>/profiles.checkpoint`.
package enum ProfileCheckpoint {
    static let magic = Array("APUSPCK1".utf8)

    package static func path(_ directory: String) -> String { directory + "/profiles.checkpoint" }

    package struct Contents {
        package var throughSeq: UInt64
        package var profiles: ProfileTables
        package var identity: IdentityGraph
    }

    package static func write(_ profiles: ProfileTables, _ identity: IdentityGraph, throughSeq: UInt64,
                              directory: String, fs: any FileSystem) throws(FileError) {
        var body = BinaryWriter(capacity: 1 << 16)
        encode(profiles.users, into: &body)
        let keys = profiles.groupKeys
        body.varint(UInt64(keys.count))
        for key in keys {
            body.string(key)
            encode(profiles.groups(key) ?? ProfileTable(), into: &body)
        }
        body.varint(UInt64(identity.ordered.count))
        for link in identity.ordered {
            switch link {
            case .deviceUser(let a, let b): body.u8(1); body.string(a); body.string(b)
            case .identify(let a, let b): body.u8(2); body.string(a); body.string(b)
            case .alias(let a, let b): body.u8(3); body.string(a); body.string(b)
            case .merge(let a, let b): body.u8(4); body.string(a); body.string(b)
            }
        }
        body.varint(UInt64(profiles.appliedCount))
        body.varint(UInt64(profiles.unreadableCount))
        var w = BinaryWriter(capacity: body.bytes.count + 28)
        w.raw(magic)
        w.u64(throughSeq)
        w.u64(UInt64(body.bytes.count))
        w.u32(CRC32C.checksum(body.bytes))
        w.raw(body.bytes)
        try fs.replaceAtomically(path(directory), with: w.bytes)
    }

    /// The checkpoint, or nil when there is none or it does not read back whole.
    package static func read(directory: String, fs: any FileSystem) -> Contents? {
        readBytes(directory: directory, fs: fs).flatMap(decode)
    }

    /// The checkpoint file's bytes, if there is one.
    package static func readBytes(directory: String, fs: any FileSystem) -> [UInt8]? {
        let p = path(directory)
        guard fs.exists(p) else { return nil }
        return try? fs.readAll(p)
    }

    /// A checkpoint's bytes read back; nil when they do not read back whole.
    package static func decode(_ bytes: [UInt8]) -> Contents? {
        guard bytes.count >= 28, Array(bytes[0..<8]) == magic else { return nil }
        return bytes.withUnsafeBytes { buf -> Contents? in
            let through = buf.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            let length = buf.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian
            let crc = buf.loadUnaligned(fromByteOffset: 24, as: UInt32.self).littleEndian
            guard length == UInt64(bytes.count - 28), CRC32C.checksum(bytes, range: 28..<bytes.count) == crc else { return nil }
            var r = BinaryReader(buf, start: 28, end: bytes.count)
            do throws(DecodeFailure) {
                let users = try decodeTable(&r)
                var groups: [String: ProfileTable] = [:]
                for _ in 0..<(try r.length()) {
                    let key = try r.string()
                    groups[key] = try decodeTable(&r)
                }
                var links: [IdentityLink] = []
                for _ in 0..<(try r.length()) {
                    let kind = try r.u8()
                    let a = try r.string(), b = try r.string()
                    switch kind {
                    case 1: links.append(.deviceUser(device: a, user: b))
                    case 2: links.append(.identify(anon: a, identified: b))
                    case 3: links.append(.alias(alias: a, distinctId: b))
                    case 4: links.append(.merge(a, b))
                    default: throw DecodeFailure(offset: r.offset, reason: "unknown identity fact kind \(kind)")
                    }
                }
                let applied = try r.varint(), unreadable = try r.varint()
                guard applied <= UInt64(Int.max), unreadable <= UInt64(Int.max) else { return nil }
                guard r.isAtEnd else { return nil }
                return Contents(throughSeq: through,
                                profiles: ProfileTables(users: users, groups: groups, appliedCount: Int(applied), unreadableCount: Int(unreadable)),
                                identity: IdentityGraph(replaying: links))
            } catch {
                return nil
            }
        }
    }

    static func encode(_ table: ProfileTable, into w: inout BinaryWriter) {
        w.varint(UInt64(table.ids.count))
        for (row, id) in table.ids.enumerated() {
            w.string(id)
            w.varint(table.uids[row] == ProfileTable.noUid ? 0 : UInt64(table.uids[row]) + 1)
            w.u8(table.live[row] ? 1 : 0)
        }
        w.varint(UInt64(table.keys.count))
        for (k, key) in table.keys.enumerated() {
            w.string(key)
            let cells = table.columns[k].values()
            w.varint(UInt64(cells.count))
            for (row, value) in cells {
                w.varint(UInt64(row))
                ValueCodec.encode(value, into: &w)
            }
        }
    }

    static func decodeTable(_ r: inout BinaryReader) throws(DecodeFailure) -> ProfileTable {
        let rows = try r.length()
        var ids: [String] = [], uids: [UInt32] = [], live: [Bool] = []
        ids.reserveCapacity(rows)
        uids.reserveCapacity(rows)
        live.reserveCapacity(rows)
        for _ in 0..<rows {
            ids.append(try r.string())
            let uid = try r.varint()
            guard uid <= UInt64(UInt32.max) else { throw DecodeFailure(offset: r.offset, reason: "profile uid out of range") }
            uids.append(uid == 0 ? ProfileTable.noUid : UInt32(uid - 1))
            live.append(try r.u8() != 0)
        }
        var keys: [String] = [], columns: [ProfileColumn] = []
        for _ in 0..<(try r.length()) {
            keys.append(try r.string())
            let cells = try r.length()
            // A common key is read into a dense array at once; a rare one cell by cell.
            let isDense = cells >= 64 && cells * 8 >= rows
            var values = [JSONValue?](repeating: nil, count: isDense ? rows : 0)
            var column = ProfileColumn()
            var next = 0
            for _ in 0..<cells {
                let raw = try r.varint()
                guard raw < UInt64(rows), Int(raw) >= next else { throw DecodeFailure(offset: r.offset, reason: "profile cell out of range or order") }
                let value = try ValueCodec.decode(&r)
                if isDense { values[Int(raw)] = value } else { column.set(value, at: Int(raw)) }
                next = Int(raw) + 1
            }
            columns.append(isDense ? ProfileColumn(values: values) : column)
        }
        return ProfileTable(ids: ids, uids: uids, live: live, keys: keys, columns: columns)
    }
}
