// `apus accounts`: service accounts (username + secret, HTTP Basic) with a role per project.

import ApusModel
import ApusCatalog
import ApusStoreCore
import ArgumentParser

struct Accounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage service accounts.",
        subcommands: [List.self, Create.self, Rotate.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List service accounts and their roles.")
        @OptionGroup var data: DataOptions
        func run() throws {
            for a in try CatalogAccess.open(data).serviceAccounts() {
                let roles = a.roles.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.rawValue)" }.joined(separator: ",")
                Console.print("\(a.username)\t\(roles)")
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a service account and print its secret once.")
        @OptionGroup var data: DataOptions
        @Option(help: "Username (default: random).") var username: String?
        @Option(help: "Role: consumer, analyst, admin or owner.") var role: String = "analyst"
        @Option(name: .customLong("project"), help: "Project id (repeatable).") var projects: [Int64]
        func run() throws {
            guard let r = Role(rawValue: role) else {
                throw ValidationError("--role must be consumer, analyst, admin or owner")
            }
            let (a, secret) = try CatalogAccess.open(data).createServiceAccount(
                username: username, role: r, projects: projects, nowMs: SystemClock().nowMs())
            Console.print("service account: \(a.username)\nsecret:          \(secret.secret)   (shown once)")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new secret for a service account.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Username.") var username: String
        func run() throws {
            Console.print("secret:          \(try CatalogAccess.open(data).rotateServiceAccountSecret(username: username).secret)   (shown once)")
        }
    }
}
