// `apus import` as a user runs it: files in every accepted shape, refused records counted and
// shown with their line, idempotent re-runs, and a clear refusal while another process holds
// the data folder.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct ImportCommandTests {
    let cli = CLITests()

    func rows(_ dir: String) throws -> Int {
        let out = try cli.apus(["verify", "--data", dir]).output
        guard let range = out.range(of: #"\((\d+) rows\)"#, options: .regularExpression) else { return -1 }
        return Int(out[range].dropFirst().split(separator: " ")[0]) ?? -1
    }

    func event(_ i: Int, day: Int = 0) -> String {
        #"{"event":"E\#(i % 3)","properties":{"time":\#(1_735_689_600 + day * 86_400 + i),"distinct_id":"u\#(i % 7)","$insert_id":"id-\#(i)","n":\#(i)}}"#
    }

    func write(_ dir: String, _ name: String, _ bytes: Data) throws -> String {
        let path = dir + "/" + name
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// NDJSON, a JSON array and a gzipped file load into one project; the counts add up, the
    /// folder verifies, and loading them again adds nothing.
    @Test func filesInEveryShapeLoadOnceAndReRunsAddNothing() throws {
        try cli.withDataFolder { dir in
            #expect(try cli.apus(["projects", "create", "--data", dir, "--name", "P", "--id", "4"]).status == 0)
            let files = dir + "-files"
            try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: files) }
            let ndjson = try write(files, "a.ndjson", Data((0..<300).map { event($0) }.joined(separator: "\n").utf8))
            let array = try write(files, "b.json", Data(("[\n" + (300..<500).map { event($0, day: 1) }.joined(separator: ",\n") + "\n]").utf8))
            let plain = (500..<800).map { event($0, day: 2) }.joined(separator: "\n")
            try Data(plain.utf8).write(to: URL(fileURLWithPath: files + "/c.ndjson"))
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gzip.arguments = ["-f", files + "/c.ndjson"]
            try gzip.run()
            gzip.waitUntilExit()
            let gz = files + "/c.ndjson.gz"

            let first = try cli.apus(["import", "--data", dir, "--project", "4", ndjson, array, gz])
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("imported 800 events"))
            #expect(try rows(dir) == 800)
            let again = try cli.apus(["import", "--data", dir, "--project", "4", gz, ndjson])
            #expect(again.status == 0)
            #expect(try rows(dir) == 800, "a re-run adds nothing")
            #expect(try cli.apus(["verify", "--data", dir]).status == 0)
        }
    }

    /// Bad records are refused one by one, each named by file and line; the rest load; the
    /// exit status says some were refused.
    @Test func refusedRecordsAreShownByLineAndTheRestLoad() throws {
        try cli.withDataFolder { dir in
            _ = try cli.apus(["projects", "create", "--data", dir, "--name", "P", "--id", "4"])
            let text = [event(1), "{\"event\":\"X\",\"properties\":{\"distinct_id\":\"u\"}}", "not json", event(2), "{\"event\": 1,", event(3)]
            let path = try write(dir, "in.ndjson", Data(text.joined(separator: "\n").utf8))
            let result = try cli.apus(["import", "--data", dir, "--project", "4", path])
            #expect(result.status == 2)
            #expect(result.output.contains("in.ndjson:2: missing_field (properties.time)"))
            #expect(result.output.contains("in.ndjson:3: record_not_object"))
            #expect(result.output.contains("in.ndjson:5: invalid_json"))
            #expect(result.output.contains("imported 3 events"))
            #expect(result.output.contains("3 records refused"))
            #expect(try rows(dir) == 3)
        }
    }

    @Test func anUnknownProjectOrFolderIsRefusedWithWhatToDo() throws {
        try cli.withDataFolder { dir in
            let file = dir + ".ndjson"
            try Data(event(1).utf8).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let fresh = try cli.apus(["import", "--data", dir, "--project", "4", file])
            #expect(fresh.status == 1)
            #expect(fresh.output.contains("apus projects create"))
            _ = try cli.apus(["projects", "create", "--data", dir, "--name", "P", "--id", "4"])
            let unknown = try cli.apus(["import", "--data", dir, "--project", "9", file])
            #expect(unknown.status == 1)
            #expect(unknown.output.contains("project 9 does not exist"))
        }
    }

    /// While another process holds the folder (a running server), import refuses and says so.
    @Test func aFolderInUseIsRefusedClearly() throws {
        try cli.withDataFolder { dir in
            _ = try cli.apus(["projects", "create", "--data", dir, "--name", "P", "--id", "4"])
            let fd = open(dir + "/apus.lock", O_RDWR | O_CREAT, 0o600)
            #expect(fd >= 0)
            _ = "12345\nserve\n".withCString { Glibc.write(fd, $0, strlen($0)) }
            #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
            defer { close(fd) }
            let file = try write(dir, "in.ndjson", Data(event(1).utf8))
            let result = try cli.apus(["import", "--data", dir, "--project", "4", file])
            #expect(result.status == 1)
            #expect(result.output.contains("in use by another apus process (pid 12345)"))
            #expect(try rows(dir) <= 0)
        }
    }
}
