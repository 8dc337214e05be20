// First start on a data folder: create the default project and an Owner service account and
// say so once; or seed them from the environment (APUS_PROJECT_ID, APUS_PROJECT_TOKEN,
// APUS_SERVICE_ACCOUNT=user:secret) for containers and CI.

import ApusModel
import ApusCatalog
import ApusStoreCore

/// Opens the catalog of a data folder, creating the defaults on first start.
package enum DataFolder {
    /// What was created on a fresh folder, to be printed once.
    package struct Bootstrap: Sendable {
        package var project: Project
        package var projectSecret: String
        package var accountUsername: String
        /// Nil when the secret came from the environment (it is not echoed back).
        package var accountSecret: String?
    }

    /// A seed in the environment that cannot be used.
    package struct SeedError: Error, Sendable, CustomStringConvertible {
        package let code = "invalid_seed"
        package var message: String
        package var description: String { "\(code): \(message)" }
    }

    /// Opens (or creates) the catalog; returns it and the bootstrap report when it was new.
    /// Throws `StoreError` (the folder), `CatalogError` or `SeedError`.
    package static func open(_ configuration: ServerConfiguration, clock: any WallClock) throws -> (Catalog, Bootstrap?) {
        do throws(FileError) {
            try POSIXFileSystem().makeDirectories(configuration.store.dataDirectory)
        } catch {
            throw StoreError.io(error)
        }
        let catalog = try Catalog(path: configuration.store.dataDirectory + "/catalog.sqlite")
        guard try catalog.projects().isEmpty else { return (catalog, nil) }
        var seedUser: String? = nil
        var seedSecret: String? = nil
        if let seed = configuration.seedServiceAccount {
            guard let colon = seed.firstIndex(of: ":"), colon != seed.startIndex, seed.index(after: colon) != seed.endIndex else {
                throw SeedError(message: "APUS_SERVICE_ACCOUNT must be username:secret")
            }
            seedUser = String(seed[..<colon])
            seedSecret = String(seed[seed.index(after: colon)...])
        }
        let now = clock.nowMs()
        let (project, projectSecret) = try catalog.createProject(
            name: "Default", id: configuration.seedProjectID, token: configuration.seedProjectToken, nowMs: now)
        let (account, secret) = try catalog.createServiceAccount(
            username: seedUser ?? "owner", secret: seedSecret, role: .owner, projects: [project.id], nowMs: now)
        return (catalog, Bootstrap(project: project, projectSecret: projectSecret.secret,
                                   accountUsername: account.username,
                                   accountSecret: seedSecret == nil ? secret.secret : nil))
    }
}
