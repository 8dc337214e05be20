// The catalog: projects and service accounts in SQLite (GRDB). Secrets are stored as salted
// SHA-256 hashes and compared in constant time. Token lookups, on the ingestion hot path, are
// served from an in-memory map that falls back to the database on a miss (another process,
// such as `apus projects create`, may have added a project).

import ApusModel
import GRDB
import Dispatch
import Foundation
import Synchronization

/// Projects, service accounts and their roles.
package final class Catalog: Sendable {
    private let db: DatabaseQueue
    /// token → (project, when cached in uptime ns). Entries live `tokenCacheTTLNs`, so a token
    /// rotated by another process (`apus projects rotate-token`) stops working within that time.
    private let tokenCache = Mutex<[String: (ProjectID, UInt64)]>([:])
    private static let tokenCacheTTLNs: UInt64 = 2_000_000_000
    /// project → (identity mode, when cached), on the ingestion path like tokens.
    private let modeCache = Mutex<[ProjectID: (IdentityMode, UInt64)]>([:])

    /// Opens (creating if needed) the catalog at `path`.
    package init(path: String) throws(CatalogError) {
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            db = try DatabaseQueue(path: path, configuration: config)
            try Self.migrator.migrate(db)
        } catch {
            throw CatalogError(.catalogUnavailable, "cannot open the catalog at \(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE project (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    token TEXT NOT NULL UNIQUE,
                    secret_salt TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    created_ms INTEGER NOT NULL
                );
                CREATE TABLE service_account (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    username TEXT NOT NULL UNIQUE,
                    secret_salt TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    created_ms INTEGER NOT NULL
                );
                CREATE TABLE membership (
                    account_id INTEGER NOT NULL REFERENCES service_account(id) ON DELETE CASCADE,
                    project_id INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    PRIMARY KEY (account_id, project_id)
                );
                """)
        }
        m.registerMigration("v2: project timezone") { db in
            try db.execute(sql: "ALTER TABLE project ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC'")
        }
        m.registerMigration("v3: identity merge mode") { db in
            try db.execute(sql: "ALTER TABLE project ADD COLUMN identity_mode TEXT NOT NULL DEFAULT 'simplified'")
        }
        return m
    }

    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(CatalogError) -> T {
        do {
            return try db.write(body)
        } catch let e as CatalogError {
            throw e
        } catch {
            throw CatalogError(.catalogError, "\(what) failed: \(error)")
        }
    }

    // MARK: Projects

    /// Creates a project. `id` and `token` default to the next id and a random token.
    /// Returns the project and its legacy API secret (shown once).
    package func createProject(name: String, id: ProjectID? = nil, token: String? = nil, timezone: String = "UTC",
                               identityMode: IdentityMode = .simplified, nowMs: Int64) throws(CatalogError) -> (Project, IssuedSecret) {
        try Self.checkTimezone(timezone)
        let token = token ?? Secrets.randomHex(bytes: 16)
        let secret = Secrets.randomHex(bytes: 16)
        let salt = Secrets.randomHex(bytes: 8)
        let project: Project = try write("creating project") { db in
            if let id, try Row.fetchOne(db, sql: "SELECT 1 FROM project WHERE id = ?", arguments: [id]) != nil {
                throw CatalogError(.projectExists, "project \(id) already exists; choose another id")
            }
            if try Row.fetchOne(db, sql: "SELECT 1 FROM project WHERE token = ?", arguments: [token]) != nil {
                throw CatalogError(.tokenInUse, "that token already belongs to a project; choose another")
            }
            let newID = try id ?? ((Int64.fetchOne(db, sql: "SELECT MAX(id) FROM project") ?? 0) + 1)
            try db.execute(sql: "INSERT INTO project (id, name, token, secret_salt, secret_hash, created_ms, timezone, identity_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [newID, name, token, salt, Secrets.hash(secret, salt: salt), nowMs, timezone, identityMode.rawValue])
            return Project(id: newID, name: name, token: token, createdMs: nowMs, timezone: timezone, identityMode: identityMode)
        }
        return (project, IssuedSecret(secret: secret))
    }

    package func projects() throws(CatalogError) -> [Project] {
        try write("listing projects") { db in
            try Row.fetchAll(db, sql: "SELECT id, name, token, created_ms, timezone, identity_mode FROM project ORDER BY id").map {
                Project(id: $0["id"], name: $0["name"], token: $0["token"], createdMs: $0["created_ms"], timezone: $0["timezone"],
                        identityMode: IdentityMode(rawValue: $0["identity_mode"]) ?? .simplified)
            }
        }
    }

    package func project(id: ProjectID) throws(CatalogError) -> Project? {
        try projects().first { $0.id == id }
    }

    /// The project whose ingestion token is `token` (constant-time on the cached path is not
    /// needed: tokens are public).
    package func projectID(forToken token: String) -> ProjectID? {
        let now = DispatchTime.now().uptimeNanoseconds
        if let (id, at) = tokenCache.withLock({ $0[token] }), now - at < Self.tokenCacheTTLNs { return id }
        guard let id = try? db.read({ try ProjectID.fetchOne($0, sql: "SELECT id FROM project WHERE token = ?", arguments: [token]) }) else {
            tokenCache.withLock { _ = $0.removeValue(forKey: token) }
            return nil
        }
        tokenCache.withLock { cache in
            if cache.count >= 10_000 { cache.removeAll() }
            cache[token] = (id, now)
        }
        return id
    }

    /// How `project`'s identities merge (Simplified for an unknown project, the default); nil
    /// when the catalog cannot be read now (not cached: the next call asks again).
    /// Cached like tokens: another process's change shows within two seconds.
    package func identityMode(of project: ProjectID) -> IdentityMode? {
        let now = DispatchTime.now().uptimeNanoseconds
        if let (mode, at) = modeCache.withLock({ $0[project] }), now - at < Self.tokenCacheTTLNs { return mode }
        let raw: String?
        do {
            raw = try db.read { try String.fetchOne($0, sql: "SELECT identity_mode FROM project WHERE id = ?", arguments: [project]) }
        } catch {
            return nil
        }
        let mode = raw.flatMap { IdentityMode(rawValue: $0) } ?? .simplified
        modeCache.withLock { cache in
            if cache.count >= 10_000 { cache.removeAll() }
            cache[project] = (mode, now)
        }
        return mode
    }

    /// The project whose legacy API secret is `secret`.
    package func projectID(forSecret secret: String) -> ProjectID? {
        guard let rows = try? db.read({ try Row.fetchAll($0, sql: "SELECT id, secret_salt, secret_hash FROM project") }) else { return nil }
        var found: ProjectID? = nil
        for row in rows where Secrets.constantTimeEquals(Secrets.hash(secret, salt: row["secret_salt"]), row["secret_hash"]) {
            found = row["id"]
        }
        return found
    }

    /// Sets the project's timezone (an IANA name such as "Europe/Berlin"): report dates and
    /// buckets follow it from the next query on.
    package func setTimezone(project id: ProjectID, _ timezone: String) throws(CatalogError) {
        try Self.checkTimezone(timezone)
        try write("setting the timezone") { db in
            try db.execute(sql: "UPDATE project SET timezone = ? WHERE id = ?", arguments: [timezone, id])
            if db.changesCount == 0 { throw CatalogError.unknownProject(id) }
        }
    }

    /// Sets how the project's identities merge. Apus keeps the facts for both modes, so every
    /// report follows the new mode's merges from the next query on, retroactively. The distinct
    /// id Simplified ID merge gave events at ingestion (their `$user_id`, or `$device:` + their
    /// `$device_id`) stays as it was stored.
    package func setIdentityMode(project id: ProjectID, _ mode: IdentityMode) throws(CatalogError) {
        try write("setting the identity merge mode") { db in
            try db.execute(sql: "UPDATE project SET identity_mode = ? WHERE id = ?", arguments: [mode.rawValue, id])
            if db.changesCount == 0 { throw CatalogError.unknownProject(id) }
        }
        modeCache.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// IANA names the system's zone database knows.
    private static func checkTimezone(_ name: String) throws(CatalogError) {
        guard name == "UTC" || (name.utf8.count <= 64 && TimeZone(identifier: name) != nil) else {
            throw CatalogError(.invalidTimezone, "'\(name)' is not a timezone this system knows; use an IANA name such as UTC, Europe/Berlin or America/New_York")
        }
    }

    /// Replaces a project's token; the old one stops working at once.
    package func rotateToken(project id: ProjectID) throws(CatalogError) -> String {
        let token = Secrets.randomHex(bytes: 16)
        try write("rotating token") { db in
            try db.execute(sql: "UPDATE project SET token = ? WHERE id = ?", arguments: [token, id])
            if db.changesCount == 0 { throw CatalogError.unknownProject(id) }
        }
        tokenCache.withLock { $0 = $0.filter { $0.value.0 != id } }
        return token
    }

    /// Replaces a project's legacy API secret.
    package func rotateSecret(project id: ProjectID) throws(CatalogError) -> IssuedSecret {
        let secret = Secrets.randomHex(bytes: 16)
        let salt = Secrets.randomHex(bytes: 8)
        try write("rotating project secret") { db in
            try db.execute(sql: "UPDATE project SET secret_salt = ?, secret_hash = ? WHERE id = ?",
                           arguments: [salt, Secrets.hash(secret, salt: salt), id])
            if db.changesCount == 0 { throw CatalogError.unknownProject(id) }
        }
        return IssuedSecret(secret: secret)
    }
}
