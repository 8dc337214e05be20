// `apus projects`: list, create, rotate a token or the legacy secret.

import ApusModel
import ApusCatalog
import ApusStoreCore
import ArgumentParser

struct Projects: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage projects.",
        subcommands: [List.self, Create.self, SetTimezone.self, SetIdentityMode.self, RotateToken.self, RotateSecret.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var data: DataOptions
        func run() throws {
            let catalog = try CatalogAccess.open(data)
            for p in try catalog.projects() {
                Console.print("\(p.id)\t\(p.token)\t\(p.timezone)\t\(p.identityMode.rawValue)\t\(p.name)")
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project and print its token and secret.")
        @OptionGroup var data: DataOptions
        @Option(help: "Project name.") var name: String
        @Option(help: "Project id (default: next free).") var id: Int64?
        @Option(help: "Project token (default: random).") var token: String?
        @Option(help: "IANA timezone of report dates (default: UTC).") var timezone: String = "UTC"
        @Option(help: "Identity merge mode: simplified ($device_id + $user_id) or original ($identify, $create_alias, $merge).")
        var identityMode: IdentityMode = .simplified
        func run() throws {
            let catalog = try CatalogAccess.open(data)
            let (p, secret) = try catalog.createProject(name: name, id: id, token: token, timezone: timezone, identityMode: identityMode,
                                                        nowMs: SystemClock().nowMs())
            Console.print("project id:      \(p.id)\nproject token:   \(p.token)\nproject secret:  \(secret.secret)   (shown once)")
        }
    }

    struct SetTimezone: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-timezone", abstract: "Set the timezone report dates and buckets follow (an IANA name, e.g. Europe/Berlin).")
        @OptionGroup var data: DataOptions
        @Argument(help: "Project id.") var id: Int64
        @Argument(help: "IANA timezone name.") var timezone: String
        func run() throws {
            try CatalogAccess.open(data).setTimezone(project: id, timezone)
            Console.print("project \(id) timezone: \(timezone)")
        }
    }

    struct SetIdentityMode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-identity-mode",
            abstract: "Set how identities merge: simplified or original. Reports follow the new mode at once, for all data.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Project id.") var id: Int64
        @Argument(help: "simplified or original.") var mode: IdentityMode
        func run() throws {
            try CatalogAccess.open(data).setIdentityMode(project: id, mode)
            Console.print("project \(id) identity merge mode: \(mode.rawValue)")
        }
    }

    struct RotateToken: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-token", abstract: "Issue a new ingestion token; the old one stops working.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Project id.") var id: Int64
        func run() throws {
            Console.print("project token:   \(try CatalogAccess.open(data).rotateToken(project: id))")
        }
    }

    struct RotateSecret: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-secret", abstract: "Issue a new legacy API secret.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Project id.") var id: Int64
        func run() throws {
            Console.print("project secret:  \(try CatalogAccess.open(data).rotateSecret(project: id).secret)   (shown once)")
        }
    }
}

enum CatalogAccess {
    static func open(_ data: DataOptions) throws -> Catalog {
        DataOptions.restrictNewFiles()
        do throws(FileError) {
            try POSIXFileSystem().makeDirectories(data.directory)
        } catch {
            throw StoreError.io(error)
        }
        return try Catalog(path: data.directory + "/catalog.sqlite")
    }
}

extension IdentityMode: ExpressibleByArgument {}
