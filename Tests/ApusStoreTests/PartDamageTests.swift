// Damaged, truncated and forged part files are refused with a coded PartError naming the file
// and section. None of them may trap: a crash here fails the whole test run.

import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusStore
import Foundation
import Testing

struct PartDamageTests {
    private func samplePart(_ count: Int = 40, seed: UInt64 = 11) throws -> [UInt8] {
        var gen = PartEventGenerator(seed: seed)
        return try encodePart(gen.events(count))
    }

    /// Opens, verifies and reads everything; returns the first error's code, nil if all worked.
    private func readEverything(_ bytes: [UInt8]) -> PartError.Code? {
        do {
            let part = try openPart(bytes)
            for id in 0..<part.propertyColumnCount { _ = try part.propertyColumn(id: id) }
            for e in try part.events() { _ = e.seq }
            if part.rowCount > 0 { _ = try part.event(at: part.rowCount - 1) }
            try part.verifyInvariants()
            return nil
        } catch {
            return error.code
        }
    }

    /// Rewrites every section CRC and the footer CRC so that damage reaches the decoders.
    private func refreshChecksums(_ bytes: [UInt8], like original: [UInt8]) throws -> [UInt8] {
        let (meta, sections) = try PartLayout.parse(original, file: "original")
        let footerStart = sections.last!.range.upperBound
        var fresh = sections
        for i in fresh.indices { fresh[i].crc = CRC32C.checksum(bytes, range: fresh[i].range) }
        var w = BinaryWriter()
        w.raw(Array(bytes[0..<footerStart]))
        PartLayout.appendFooter(meta, sections: fresh, to: &w)
        return w.bytes
    }

    @Test func detectsAFlippedByteInEachSection() throws {
        let bytes = try samplePart()
        let part = try openPart(bytes)
        for (i, section) in part.sections.enumerated() {
            var damaged = bytes
            damaged[section.offset + section.length / 2] ^= 0x5A
            let reopened = try openPart(damaged)
            do {
                try reopened.verifyInvariants()
                Issue.record("section \(i) damage went unnoticed")
            } catch {
                #expect(error.code == .checksumMismatch)
                #expect(error.section == part.sectionLabel(i))
                #expect(error.description.contains("/memory/test.part"))
            }
            #expect(partErrorCode(try reopened.events()) == .checksumMismatch)
        }
    }

    @Test func detectsEverySingleByteFlipAnywhereInTheFile() throws {
        let bytes = try samplePart(12)
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0x01
            #expect(readEverything(damaged) != nil, "flip at byte \(offset) of \(bytes.count) went unnoticed")
        }
    }

    @Test func refusesEveryTruncation() throws {
        let bytes = try samplePart(12)
        for length in 0..<bytes.count {
            let code = readEverything(Array(bytes[0..<length]))
            #expect(code == (length < 8 ? .notAPart : .truncated), "truncated to \(length) bytes: \(String(describing: code))")
        }
    }

    @Test func refusesFilesThatAreNotParts() {
        #expect(readEverything([]) == .notAPart)
        #expect(readEverything(Array("{\"event\": \"x\"}\n".utf8)) == .notAPart)
    }

    @Test func refusesUnknownVersionsWithAClearError() throws {
        var bytes = try samplePart()
        bytes[8] = 2
        let crc = CRC32C.checksum(bytes, range: 0..<12)
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[12 + i] = $0[i] } }
        do {
            _ = try openPart(bytes)
            Issue.record("version 2 was accepted")
        } catch {
            #expect(error.code == .unsupportedVersion)
            #expect(error.message.contains("version 2"))
        }
    }

    @Test func refusesUnknownSectionCodecs() throws {
        let original = try samplePart()
        let (meta, sections) = try PartLayout.parse(original, file: "x")
        let footerStart = sections.last!.range.upperBound
        var bytes = original
        bytes[footerStart + PartFormat.footerFixedBytes + 1] = 1  // codec of the time section
        let trailer = bytes.count - PartFormat.trailerBytes
        let crc = CRC32C.checksum(bytes, range: footerStart..<(trailer + 4))
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[trailer + 4 + i] = $0[i] } }
        #expect(meta.rowCount == 40)
        #expect(readEverything(bytes) == .unsupportedCodec)
    }

    /// Damage behind valid checksums (a forged or buggy file) is refused, never trapped on.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func neverTrapsOnForgedSectionsWithValidChecksums(seed: UInt64) throws {
        let original = try samplePart(25, seed: seed)
        let sections = try openPart(original).sections
        let sectionBytes = sections.first!.offset..<sections.last!.range.upperBound
        var rng = PartSeededRandom(seed: seed)
        var refused = 0
        for _ in 0..<1500 {
            var bytes = original
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = sectionBytes.lowerBound + Int(rng.next() % UInt64(sectionBytes.count))
                bytes[at] = rng.next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: rng.next())
            }
            if let code = readEverything(try refreshChecksums(bytes, like: original)) {
                #expect([.malformed, .invariantViolated].contains(code), "seed \(seed): \(code)")
                refused += 1
            }
        }
        #expect(refused > 500, "seed \(seed)")
    }
}
