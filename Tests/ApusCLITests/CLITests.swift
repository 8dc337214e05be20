import Foundation
import Testing

/// Runs the built `apus` binary as a user would (scripts/test builds it before the tests).
struct CLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        ProcessInfo.processInfo.environment["APUS_BIN"] ?? root.appendingPathComponent(".build/debug/apus").path
    }

    struct Run {
        var status: Int32
        var output: String
    }

    func apus(_ args: [String]) throws -> Run {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the apus binary first (swift build)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    func withDataFolder(_ body: (String) throws -> Void) rethrows {
        let dir = NSTemporaryDirectory() + "apus-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    /// Projects are created with the given id and token, listed, and their token rotated.
    @Test func projectsAreCreatedListedAndRotated() throws {
        try withDataFolder { dir in
            let created = try apus(["projects", "create", "--data", dir, "--name", "Shop", "--id", "77", "--token", "tok-shop"])
            #expect(created.status == 0)
            #expect(created.output.contains("project token:   tok-shop"))
            #expect(created.output.contains("project secret:"))
            #expect(try apus(["projects", "list", "--data", dir]).output.contains("77\ttok-shop\tUTC\tsimplified\tShop"))
            let rotated = try apus(["projects", "rotate-token", "--data", dir, "77"])
            #expect(rotated.status == 0)
            #expect(!(try apus(["projects", "list", "--data", dir]).output.contains("tok-shop")))
            let duplicate = try apus(["projects", "create", "--data", dir, "--name", "Again", "--id", "77"])
            #expect(duplicate.status != 0)
            #expect(duplicate.output.contains("already exists"))
        }
    }

    /// A project's timezone is set by IANA name; an unknown name is refused and changes nothing.
    @Test func aProjectsTimezoneIsSetByName() throws {
        try withDataFolder { dir in
            _ = try apus(["projects", "create", "--data", dir, "--name", "Shop", "--id", "3", "--timezone", "Asia/Kolkata"])
            #expect(try apus(["projects", "list", "--data", dir]).output.contains("3\t") )
            #expect(try apus(["projects", "list", "--data", dir]).output.contains("\tAsia/Kolkata\tsimplified\tShop"))
            let set = try apus(["projects", "set-timezone", "--data", dir, "3", "America/New_York"])
            #expect(set.status == 0)
            let wrong = try apus(["projects", "set-timezone", "--data", dir, "3", "Mars/Olympus"])
            #expect(wrong.status != 0)
            #expect(wrong.output.contains("not a timezone this system knows"))
            #expect(try apus(["projects", "list", "--data", dir]).output.contains("\tAmerica/New_York\tsimplified\tShop"))
        }
    }

    /// A project's identity merge mode is chosen at creation and can be changed; a mode that
    /// does not exist is refused.
    @Test func aProjectsIdentityModeIsChosenAndChanged() throws {
        try withDataFolder { dir in
            _ = try apus(["projects", "create", "--data", dir, "--name", "Shop", "--id", "5", "--identity-mode", "original"])
            #expect(try apus(["projects", "list", "--data", dir]).output.contains("\toriginal\tShop"))
            let set = try apus(["projects", "set-identity-mode", "--data", dir, "5", "simplified"])
            #expect(set.status == 0)
            #expect(try apus(["projects", "list", "--data", dir]).output.contains("\tsimplified\tShop"))
            let wrong = try apus(["projects", "set-identity-mode", "--data", dir, "5", "magic"])
            #expect(wrong.status != 0)
        }
    }

    /// Service accounts get a role per project and a secret shown once; rotation issues a new one.
    @Test func serviceAccountsAreCreatedWithRolesAndRotated() throws {
        try withDataFolder { dir in
            _ = try apus(["projects", "create", "--data", dir, "--name", "P", "--id", "5"])
            let created = try apus(["accounts", "create", "--data", dir, "--username", "ci-bot", "--role", "admin", "--project", "5"])
            #expect(created.status == 0)
            #expect(created.output.contains("secret:"))
            #expect(try apus(["accounts", "list", "--data", dir]).output.contains("ci-bot\t5:admin"))
            let first = created.output.split(separator: "\n").first { $0.hasPrefix("secret:") }
            let rotated = try apus(["accounts", "rotate", "--data", dir, "ci-bot"])
            #expect(rotated.status == 0)
            #expect(rotated.output.split(separator: "\n").first { $0.hasPrefix("secret:") } != first)
            let badRole = try apus(["accounts", "create", "--data", dir, "--role", "king", "--project", "5"])
            #expect(badRole.status != 0)
        }
    }

    /// verify passes on an empty folder and fails, naming the file, on a damaged WAL segment.
    @Test func verifyReportsDamage() throws {
        try withDataFolder { dir in
            #expect(try apus(["verify", "--data", dir]).status == 0)
            let wal = dir + "/projects/1/wal"
            try FileManager.default.createDirectory(atPath: wal, withIntermediateDirectories: true)
            // Two segments; the older one is garbage after its header.
            try Data("APUSWAL1".utf8 + [1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: wal + "/00000000000000000001.wal"))
            try Data("APUSWAL1".utf8).write(to: URL(fileURLWithPath: wal + "/00000000000000000009.wal"))
            let result = try apus(["verify", "--data", dir])
            #expect(result.status != 0)
            #expect(result.output.contains("00000000000000000001.wal"))
        }
    }
}
