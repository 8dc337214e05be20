import ApusStoreCore
import ApusTesting
@testable import ApusStore
import Foundation
import Logging
import Testing

struct UserIdDictionaryTests {
    let logger = Logger(label: "test")

    func open(_ dir: TempDirectory, fs: any FileSystem = POSIXFileSystem()) throws -> UserIdDictionary {
        try UserIdDictionary(projectDirectory: dir.path, fs: fs, logger: logger)
    }

    /// Assigned uids survive a reopen; known ids keep theirs, new ones continue the numbering.
    @Test func uidsSurviveReopenAndNumberingContinues() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        #expect(try open(dir).assign(["a", "b", "a", "c"]) == [0, 1, 0, 2])
        let again = try open(dir)
        #expect(again.count == 3)
        #expect(try again.assign(["c", "d", "b"]) == [2, 3, 1])
        #expect(try open(dir).snapshot.distinctId(of: 3) == "d")
    }

    /// Opening a folder without the file creates nothing until an id is assigned.
    @Test func createsTheFileOnlyOnFirstAssignment() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let d = try open(dir)
        #expect(!FileManager.default.fileExists(atPath: d.path))
        _ = try d.assign([])
        #expect(!FileManager.default.fileExists(atPath: d.path))
        _ = try d.assign(["x"])
        #expect(FileManager.default.fileExists(atPath: d.path))
    }

    /// A batch larger than one frame spans several frames and reads back whole.
    @Test func largeBatchesSpanSeveralFrames() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let long = String(repeating: "x", count: 4000)
        let ids = (0..<2500).map { "\($0)-" + long }
        #expect(try open(dir).assign(ids) == (0..<2500).map(UInt32.init))
        let bytes = try POSIXFileSystem().readAll(UserIdDictionary.path(projectDirectory: dir.path))
        let scan = UserIdFile.scan(bytes)
        #expect(scan.frames == 2)
        #expect(scan.stopReason == nil)
        #expect(try open(dir).uid(of: "2499-" + long) == 2499)
    }

    /// New uids are provisional until persisted: they hold in the process, vanish with a crash,
    /// and a failed persist keeps them for the next attempt.
    @Test func provisionalUidsBecomeDurableOnlyWhenPersisted() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let fs = FaultyFileSystem(seed: 1)
        let d = try open(dir, fs: fs)
        #expect(try d.uids(for: ["a", "b"]) == [0, 1])
        #expect(d.count == 2 && d.durableCount == 0)
        #expect(try open(dir, fs: fs).count == 0)
        fs.setFaults(.init(syncFailure: 1))
        #expect(throws: StoreError.self) { try d.persist() }
        #expect(d.durableCount == 0 && d.uid(of: "b") == 1)
        fs.setFaults(.init())
        try d.persist()
        #expect(d.durableCount == 2)
        fs.crash()
        #expect(try open(dir, fs: fs).uid(of: "b") == 1)
    }

    /// A torn last append (a crash mid-write) is cut on open; earlier uids stay.
    @Test(arguments: [1, 7, 16, 19])
    func tornLastAppendIsCut(keepBytesOfLastFrame: Int) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let d = try open(dir)
        _ = try d.assign(["a", "b"])
        let path = d.path
        let size = try POSIXFileSystem().readAll(path).count
        _ = try d.assign(["c", "d"])
        let file = try POSIXFileSystem().openForWriting(path, mode: .append)
        try file.truncate(to: size + keepBytesOfLastFrame)
        let reopened = try open(dir)
        #expect(reopened.count == 2)
        #expect(try POSIXFileSystem().readAll(path).count == size)
        #expect(try reopened.assign(["d", "a"]) == [2, 0])
    }

    /// Damage to a frame that is followed by others cannot be a torn write: refuse to open.
    @Test func damageBeforeTheLastFrameRefusesToOpen() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let d = try open(dir)
        _ = try d.assign(["alice"])
        _ = try d.assign(["bob"])
        var bytes = try POSIXFileSystem().readAll(d.path)
        bytes[UserIdFile.magic.count + 17] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: d.path))
        let error = #expect(throws: StoreError.self) { try open(dir) }
        #expect(error?.code == .userIdsDamaged)
        #expect(StoreVerifier.verify(dataDirectory: dir.path).problems.isEmpty, "verify looks under projects/, not here")
    }

    /// A file that is not a dictionary is refused, never overwritten.
    @Test func foreignFileIsRefused() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let path = UserIdDictionary.path(projectDirectory: dir.path)
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try open(dir) }
        #expect(try POSIXFileSystem().readAll(path) == Array("hello, world".utf8))
    }

    /// Seeded simulation: writes fail with ENOSPC (after a random prefix), fsyncs fail, and the
    /// machine loses power at random. Whatever `assign` acknowledged keeps its uid after every
    /// crash, and the dictionary always opens.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func acknowledgedUidsSurviveDiskFaultsAndCrashes(seed: UInt64) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let faults = FaultyFileSystem.Faults(writeFailure: 0.2, syncFailure: 0.2, truncateFailure: 0.05)
        let fs = FaultyFileSystem(seed: seed, faults: faults)
        var rng = SeededRandom(seed: seed &* 31)
        var acknowledged: [String: UInt32] = [:]
        var dictionary: UserIdDictionary? = nil
        var crashes = 0
        for round in 0..<300 {
            if dictionary == nil {
                do { dictionary = try open(dir, fs: fs) } catch {
                    // Opening may meet an injected fault too; it must succeed once faults stop.
                    fs.setFaults(FaultyFileSystem.Faults())
                    dictionary = try open(dir, fs: fs)
                    fs.setFaults(faults)
                }
            }
            let ids = (0..<Int(1 + rng.next() % 20)).map { _ in "user-\(rng.next() % 400)" }
            if let uids = try? dictionary!.assign(ids) {
                for (id, uid) in zip(ids, uids) {
                    if let known = acknowledged[id], known != uid {
                        Issue.record("seed \(seed) round \(round): \(id) was \(known), now \(uid); faults: \(fs.injected)")
                        return
                    }
                    acknowledged[id] = uid
                }
            }
            if rng.next() % 10 == 0 {
                dictionary = nil
                fs.crash()
                crashes += 1
            }
        }
        fs.setFaults(FaultyFileSystem.Faults())
        let final = try open(dir, fs: fs)
        for (id, uid) in acknowledged where final.uid(of: id) != uid {
            Issue.record("seed \(seed): \(id) lost uid \(uid) (now \(String(describing: final.uid(of: id)))); faults: \(fs.injected.suffix(20))")
        }
        #expect(crashes > 0)
        #expect(fs.injected.count > 10)
    }
}
