// Service accounts: creation, listing, rotation and authentication.

import ApusModel
import GRDB

extension Catalog {
    /// Creates a service account with `role` on each of `projects`; returns it and its secret.
    package func createServiceAccount(username: String?, secret: String? = nil, role: Role, projects: [ProjectID], nowMs: Int64) throws(CatalogError) -> (ServiceAccount, IssuedSecret) {
        let username = username ?? "apus-sa.\(Secrets.randomHex(bytes: 4))"
        let secret = secret ?? Secrets.randomHex(bytes: 24)
        let salt = Secrets.randomHex(bytes: 8)
        guard !username.isEmpty, !username.contains(":") else {
            throw CatalogError(.invalidUsername, "a service account username must be non-empty and contain no ':'")
        }
        let account: ServiceAccount = try write("creating service account") { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM service_account WHERE username = ?", arguments: [username]) != nil {
                throw CatalogError(.accountExists, "a service account named \(username) already exists")
            }
            try db.execute(sql: "INSERT INTO service_account (username, secret_salt, secret_hash, created_ms) VALUES (?, ?, ?, ?)",
                           arguments: [username, salt, Secrets.hash(secret, salt: salt), nowMs])
            let id = db.lastInsertedRowID
            for p in projects {
                guard try Row.fetchOne(db, sql: "SELECT 1 FROM project WHERE id = ?", arguments: [p]) != nil else {
                    throw CatalogError.unknownProject(p)
                }
                try db.execute(sql: "INSERT INTO membership (account_id, project_id, role) VALUES (?, ?, ?)",
                               arguments: [id, p, role.rawValue])
            }
            return ServiceAccount(id: id, username: username, createdMs: nowMs,
                                  roles: Dictionary(uniqueKeysWithValues: projects.map { ($0, role) }))
        }
        return (account, IssuedSecret(secret: secret))
    }

    package func serviceAccounts() throws(CatalogError) -> [ServiceAccount] {
        try write("listing service accounts") { db in
            try Row.fetchAll(db, sql: "SELECT id, username, created_ms FROM service_account ORDER BY id").map { row in
                ServiceAccount(id: row["id"], username: row["username"], createdMs: row["created_ms"],
                               roles: try Self.roles(db, accountID: row["id"]))
            }
        }
    }

    /// The account whose username and secret match, or nil. Every stored hash compared is
    /// compared in constant time.
    package func authenticate(username: String, secret: String) -> ServiceAccount? {
        try? write("authenticating") { db -> ServiceAccount? in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, username, created_ms, secret_salt, secret_hash FROM service_account WHERE username = ?", arguments: [username]) else {
                // Spend the same hashing work as a real comparison.
                _ = Secrets.constantTimeEquals(Secrets.hash(secret, salt: "0000000000000000"), String(repeating: "0", count: 64))
                return nil
            }
            guard Secrets.constantTimeEquals(Secrets.hash(secret, salt: row["secret_salt"]), row["secret_hash"]) else { return nil }
            return ServiceAccount(id: row["id"], username: row["username"], createdMs: row["created_ms"],
                                  roles: try Self.roles(db, accountID: row["id"]))
        } ?? nil
    }

    /// The account whose secret is `secret` (a bearer token for scripts that send only a token,
    /// such as GDPR API clients), or nil. Every account's hash is computed and compared in
    /// constant time, so the answer's timing does not say which one matched.
    package func authenticate(secret: String) -> ServiceAccount? {
        try? write("authenticating") { db -> ServiceAccount? in
            var found: Row? = nil
            for row in try Row.fetchAll(db, sql: "SELECT id, username, created_ms, secret_salt, secret_hash FROM service_account") {
                if Secrets.constantTimeEquals(Secrets.hash(secret, salt: row["secret_salt"]), row["secret_hash"]) { found = row }
            }
            guard let row = found else { return nil }
            return ServiceAccount(id: row["id"], username: row["username"], createdMs: row["created_ms"],
                                  roles: try Self.roles(db, accountID: row["id"]))
        } ?? nil
    }

    /// Issues a new secret for `username`; the old one stops working at once.
    package func rotateServiceAccountSecret(username: String) throws(CatalogError) -> IssuedSecret {
        let secret = Secrets.randomHex(bytes: 24)
        let salt = Secrets.randomHex(bytes: 8)
        try write("rotating service account secret") { db in
            try db.execute(sql: "UPDATE service_account SET secret_salt = ?, secret_hash = ? WHERE username = ?",
                           arguments: [salt, Secrets.hash(secret, salt: salt), username])
            if db.changesCount == 0 {
                throw CatalogError(.unknownAccount, "no service account is named \(username)")
            }
        }
        return IssuedSecret(secret: secret)
    }

    private static func roles(_ db: Database, accountID: Int64) throws -> [ProjectID: Role] {
        var roles: [ProjectID: Role] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT project_id, role FROM membership WHERE account_id = ?", arguments: [accountID]) {
            if let role = Role(rawValue: row["role"]) { roles[row["project_id"]] = role }
        }
        return roles
    }
}
