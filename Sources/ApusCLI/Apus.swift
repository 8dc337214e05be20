// The `apus` command: serve, import, projects, accounts, verify.

import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

@main
struct Apus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apus",
        abstract: "A self-hosted, Mixpanel-compatible product-analytics server.",
        subcommands: [Serve.self, Import.self, Projects.self, Accounts.self, Verify.self],
        defaultSubcommand: nil)
}

/// Options shared by every command that opens a data folder.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder (env APUS_DATA).")
    var data: String?

    var directory: String {
        data ?? Environment.value("APUS_DATA") ?? "./data"
    }

    /// Files Apus creates hold personal data and secret hashes: readable by the owner only.
    static func restrictNewFiles() {
        umask(0o077)
    }
}
