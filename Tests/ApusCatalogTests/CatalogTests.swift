import ApusModel
@testable import ApusCatalog
import ApusTesting
import Testing

struct CatalogTests {
    /// A service account authenticates with its secret only, and knows its role per project.
    @Test func serviceAccountsAuthenticateOnlyWithTheirSecret() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let catalog = try Catalog(path: dir.path + "/c.sqlite")
        let (p, _) = try catalog.createProject(name: "P", nowMs: 0)
        let (a, secret) = try catalog.createServiceAccount(username: "bot", role: .analyst, projects: [p.id], nowMs: 0)
        #expect(catalog.authenticate(username: "bot", secret: secret.secret)?.roles[p.id] == .analyst)
        #expect(catalog.authenticate(username: "bot", secret: secret.secret + "x") == nil)
        #expect(catalog.authenticate(username: "nobody", secret: secret.secret) == nil)
        let rotated = try catalog.rotateServiceAccountSecret(username: a.username)
        #expect(catalog.authenticate(username: "bot", secret: secret.secret) == nil)
        #expect(catalog.authenticate(username: "bot", secret: rotated.secret) != nil)
    }

    /// Tokens resolve to their project until rotated; secrets are never stored in clear.
    @Test func tokensResolveUntilRotated() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let catalog = try Catalog(path: dir.path + "/c.sqlite")
        let (p, secret) = try catalog.createProject(name: "P", id: 4242, token: "tok", nowMs: 0)
        #expect(catalog.projectID(forToken: "tok") == 4242)
        #expect(catalog.projectID(forSecret: secret.secret) == 4242)
        let newToken = try catalog.rotateToken(project: p.id)
        #expect(catalog.projectID(forToken: "tok") == nil)
        #expect(catalog.projectID(forToken: newToken) == 4242)
        #expect(throws: CatalogError.self) { try catalog.createProject(name: "Q", id: 4242, nowMs: 0) }
    }

    /// SHA-256 matches the FIPS test vectors.
    @Test func sha256MatchesKnownVectors() {
        #expect(Secrets.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Secrets.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Constant-time comparison agrees with ==.
    @Test(arguments: [("a", "a"), ("a", "b"), ("", ""), ("abc", "ab"), ("ab", "abc")])
    func constantTimeEqualsAgreesWithEquality(_ a: String, _ b: String) {
        #expect(Secrets.constantTimeEquals(a, b) == (a == b))
    }
}
