import ApusModel
@testable import ApusServer
import ApusStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Drives the real router, catalog and store (in a temporary folder) through HummingbirdTesting.
struct ServerRoutesTests {
    func withServer(_ body: @escaping @Sendable (any TestClientProtocol, ServerState) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "apus-server-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = ServerConfiguration(dataDirectory: dir)
        config.seedProjectID = 7
        config.seedProjectToken = "tok7"
        config.seedServiceAccount = "sa:secret"
        let (state, bootstrap) = try ApusServer.open(config, clock: ManualClock(ms: 1_735_700_000_000), logger: Logger(label: "test"))
        #expect(bootstrap?.project.id == 7)
        defer { state.store.close() }
        let app = Application(router: ApusServer.router(state: state))
        try await app.test(.router) { client in try await body(client, state) }
    }

    static let basic = "Basic " + Data("sa:secret".utf8).base64EncodedString()

    /// A tracked event is exported back with its properties.
    @Test func trackedEventIsExported() async throws {
        try await withServer { client, _ in
            let data = #"{"event":"Signup","properties":{"token":"tok7","distinct_id":"u1","time":1735689600,"$insert_id":"a1","plan":"pro"}}"#
            try await client.execute(uri: "/track/", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "data=" + data.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body) == "1")
            }
            try await client.execute(uri: "/api/2.0/export?project_id=7&from_date=2025-01-01&to_date=2025-01-01", method: .get,
                                     headers: [.authorization: Self.basic]) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains(#""distinct_id":"u1","$insert_id":"a1","plan":"pro""#))
            }
        }
    }

    /// An unknown token stores nothing and answers 0.
    @Test func unknownTokenStoresNothing() async throws {
        try await withServer { client, state in
            let data = #"{"event":"Signup","properties":{"token":"nope","distinct_id":"u1","time":1735689600}}"#
            try await client.execute(uri: "/track?data=" + data.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, method: .get) { r in
                #expect(String(buffer: r.body) == "0")
            }
            #expect(try state.store.snapshot(of: 7).chunks.isEmpty)
        }
    }

    /// Export without credentials, or with a role below Analyst, is refused.
    @Test func exportNeedsAnAnalyst() async throws {
        try await withServer { client, state in
            try await client.execute(uri: "/api/2.0/export?from_date=2025-01-01&to_date=2025-01-01", method: .get) { r in
                #expect(r.status == .unauthorized)
            }
            _ = try state.catalog.createServiceAccount(username: "viewer", secret: "pw", role: .consumer, projects: [7], nowMs: 0)
            let viewer = "Basic " + Data("viewer:pw".utf8).base64EncodedString()
            try await client.execute(uri: "/api/2.0/export?project_id=7&from_date=2025-01-01&to_date=2025-01-01", method: .get,
                                     headers: [.authorization: viewer]) { r in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/api/2.0/export?project_id=7&from_date=2025-13-01&to_date=2025-01-01", method: .get,
                                     headers: [.authorization: Self.basic]) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("from_date"))
            }
        }
    }
}
