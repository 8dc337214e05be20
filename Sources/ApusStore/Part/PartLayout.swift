// The frame of a part file: header, section directory in the footer, trailer. Column bytes are
// the business of the column codecs; this file writes and checks everything around them.
//
//   offset 0   header   magic "APUSPRT1" (8) | version u32 | CRC-32C of the previous 12 bytes u32
//   16         sections, contiguous, in directory order
//   F          footer   projectId i64 | day i32 | rowCount u32 | minTimeMs i64 | maxTimeMs i64 |
//                       minSeq u64 | maxSeq u64 | sectionCount u32 | sectionCount × entry (28 bytes):
//                       kind u8 | codec u8 | reserved u16 = 0 | column u32 | offset u64 |
//                       length u32 | decodedLength u32 | crc u32
//   end - 16   trailer  footer length u32 | CRC-32C of footer + length field u32 | magic (8)
// All integers little-endian. See docs/on-disk-format.md.

/// Writes and parses the header, footer and trailer of part files.
import ApusStoreCore

package enum PartLayout {
    /// The 16 header bytes.
    package static func header() -> [UInt8] {
        var w = BinaryWriter(capacity: PartFormat.headerBytes)
        w.raw(PartFormat.magic)
        w.u32(PartFormat.version)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Appends the footer and trailer describing `sections` to `w`.
    package static func appendFooter(_ m: PartMetadata, sections: [PartSection], to w: inout BinaryWriter) {
        let start = w.count
        w.u64(UInt64(bitPattern: m.projectId))
        w.u32(UInt32(bitPattern: m.day))
        w.u32(UInt32(m.rowCount))
        w.u64(UInt64(bitPattern: m.minTimeMs))
        w.u64(UInt64(bitPattern: m.maxTimeMs))
        w.u64(m.minSeq)
        w.u64(m.maxSeq)
        w.u32(UInt32(sections.count))
        for s in sections {
            w.u8(s.kind.rawValue)
            w.u8(s.codec.rawValue)
            w.u8(0)
            w.u8(0)
            w.u32(UInt32(s.column))
            w.u64(UInt64(s.offset))
            w.u32(UInt32(s.length))
            w.u32(UInt32(s.decodedLength))
            w.u32(s.crc)
        }
        let length = w.count - start
        w.u32(UInt32(length))
        w.u32(CRC32C.checksum(w.bytes, range: start..<w.count))
        w.raw(PartFormat.magic)
    }

    /// Checks the frame of `bytes` and returns the footer. Never traps.
    package static func parse(_ bytes: [UInt8], file: String) throws(PartError) -> (PartMetadata, [PartSection]) {
        func fail(_ code: PartError.Code, _ section: String, _ message: String) -> PartError {
            PartError(code, file: file, section: section, message)
        }
        let n = bytes.count
        let magic = PartFormat.magic
        guard n >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw fail(.notAPart, "header", "the file does not start with the part magic \"APUSPRT1\"; only part files belong in a parts directory")
        }
        guard n >= PartFormat.headerBytes + PartFormat.footerFixedBytes + PartFormat.trailerBytes else {
            throw fail(.truncated, "header", "the file has only \(n) bytes; it was cut short (interrupted copy?)")
        }
        let h: (UInt32, UInt32) = bytes.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian,
                                                             $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian) }
        guard CRC32C.checksum(bytes, range: 0..<12) == h.1 else {
            throw fail(.checksumMismatch, "header", "header checksum mismatch; " + PartError.damagedRemedy)
        }
        guard h.0 == PartFormat.version else {
            throw fail(.unsupportedVersion, "header", "format version \(h.0) is not supported (this build reads version \(PartFormat.version)); upgrade Apus to read it")
        }
        guard Array(bytes[(n - magic.count)...]) == magic else {
            throw fail(.truncated, "trailer", "the file does not end with the part magic; it was cut short or damaged; " + PartError.damagedRemedy)
        }
        let trailer = n - PartFormat.trailerBytes
        let t: (UInt32, UInt32) = bytes.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: trailer, as: UInt32.self).littleEndian,
                                                             $0.loadUnaligned(fromByteOffset: trailer + 4, as: UInt32.self).littleEndian) }
        let footerLength = Int(t.0)
        guard footerLength >= PartFormat.footerFixedBytes, footerLength <= trailer - PartFormat.headerBytes else {
            throw fail(.truncated, "trailer", "footer length \(footerLength) does not fit the \(n)-byte file; " + PartError.damagedRemedy)
        }
        let footerStart = trailer - footerLength
        guard CRC32C.checksum(bytes, range: footerStart..<(trailer + 4)) == t.1 else {
            throw fail(.checksumMismatch, "footer", "footer checksum mismatch; " + PartError.damagedRemedy)
        }
        let parsed = decodeBytes(bytes, footerStart..<trailer) { (r: inout BinaryReader) throws(DecodeFailure) -> (PartMetadata, [PartSection], [UInt8]) in
            let project = Int64(bitPattern: try r.u64())
            let day = Int32(bitPattern: try r.u32())
            let rows = Int(try r.u32())
            let minTime = Int64(bitPattern: try r.u64()), maxTime = Int64(bitPattern: try r.u64())
            let minSeq = try r.u64(), maxSeq = try r.u64()
            let count = Int(try r.u32())
            guard count == (r.remaining / PartFormat.sectionEntryBytes), r.remaining % PartFormat.sectionEntryBytes == 0 else {
                throw DecodeFailure(offset: r.offset, reason: "\(count) sections do not match the footer length")
            }
            var sections: [PartSection] = []
            var raw: [UInt8] = []
            for _ in 0..<count {
                let kind = try r.u8(), codec = try r.u8(), reserved = UInt16(try r.u8()) | UInt16(try r.u8()) << 8
                let column = Int(try r.u32()), offset = try r.u64(), length = Int(try r.u32())
                let decoded = Int(try r.u32()), crc = try r.u32()
                guard let k = PartSectionKind(rawValue: kind), reserved == 0, offset < UInt64(Int.max) else {
                    throw DecodeFailure(offset: r.offset, reason: "unknown section kind \(kind) or reserved bits set")
                }
                raw.append(codec)
                sections.append(PartSection(kind: k, codec: .none, column: column, offset: Int(offset), length: length,
                                            decodedLength: decoded, crc: crc))
            }
            let m = PartMetadata(projectId: project, day: day, rowCount: rows, minTimeMs: minTime, maxTimeMs: maxTime,
                                 minSeq: minSeq, maxSeq: maxSeq)
            return (m, sections, raw)
        }
        let (meta, sections, codecs): (PartMetadata, [PartSection], [UInt8])
        switch parsed {
        case .success(let v): (meta, sections, codecs) = v
        case .failure(let e): throw fail(.malformed, "footer", "\(e.reason) at byte \(e.offset)")
        }
        for (i, c) in codecs.enumerated() where PartCodec(rawValue: c) == nil {
            throw fail(.unsupportedCodec, sections[i].kind.label, "codec \(c) is not supported by this build; upgrade Apus to read it")
        }
        try checkDirectory(meta, sections, footerStart: footerStart, fail: fail)
        return (meta, sections)
    }

    /// The directory must tile the bytes between header and footer in the canonical order:
    /// time, seq, name, distinct_id, insert_id, keys, key_order, then property columns 0, 1, 2…
    private static func checkDirectory(_ m: PartMetadata, _ sections: [PartSection], footerStart: Int,
                                       fail: (PartError.Code, String, String) -> PartError) throws(PartError) {
        let fixed: [PartSectionKind] = [.time, .seq, .name, .distinctId, .insertId, .keys, .keyOrder]
        guard sections.count >= fixed.count, sections.count - fixed.count <= PartFormat.keysMax else {
            throw fail(.malformed, "footer", "\(sections.count) sections: expected the 7 fixed ones plus at most \(PartFormat.keysMax) property columns")
        }
        var next = PartFormat.headerBytes
        for (i, s) in sections.enumerated() {
            let expected = i < fixed.count ? fixed[i] : .property
            let column = i < fixed.count ? 0 : i - fixed.count
            guard s.kind == expected, s.column == column, s.offset == next, s.length == s.decodedLength,
                  s.length <= footerStart - s.offset else {
                throw fail(.malformed, "footer", "directory entry \(i) (\(s.kind.label), column \(s.column), bytes \(s.offset)+\(s.length)) is out of place")
            }
            next += s.length
        }
        guard next == footerStart else {
            throw fail(.malformed, "footer", "sections end at byte \(next) but the footer starts at \(footerStart)")
        }
        guard m.rowCount >= 1, m.rowCount <= PartFormat.rowsMax, m.rowCount <= sections[0].length,
              m.minTimeMs <= m.maxTimeMs, m.minSeq <= m.maxSeq,
              PartFormat.day(ofTimeMs: m.minTimeMs) == m.day, PartFormat.day(ofTimeMs: m.maxTimeMs) == m.day else {
            throw fail(.malformed, "footer", "metadata is inconsistent (rows \(m.rowCount), day \(m.day), time \(m.minTimeMs)…\(m.maxTimeMs), seq \(m.minSeq)…\(m.maxSeq))")
        }
    }
}

extension PartFormat {
    /// The UTC day of a time in ms since the epoch, or nil when it does not fit an Int32.
    package static func day(ofTimeMs t: Int64) -> Int32? { Int32(exactly: floorDiv(t, 86_400_000)) }
}

/// Runs `body` over `bytes[range]` and requires it to consume the range exactly.
func decodeBytes<T>(_ bytes: [UInt8], _ range: Range<Int>,
                    _ body: (inout BinaryReader) throws(DecodeFailure) -> T) -> Result<T, DecodeFailure> {
    bytes.withUnsafeBytes { buffer in
        var r = BinaryReader(buffer, start: range.lowerBound, end: range.upperBound)
        do throws(DecodeFailure) {
            let value = try body(&r)
            guard r.isAtEnd else {
                return .failure(DecodeFailure(offset: r.offset, reason: "\(r.remaining) unexpected trailing bytes"))
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}
