import ApusTesting
import ApusStoreCore
import ApusModel
@testable import ApusServer
import ApusStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Testing

/// Runs the real server in process on a free loopback port, with the real catalog and store in
/// a temporary folder, and talks to it over HTTP.
struct ServerRoutesTests {
    struct Client {
        var base: String

        func send(_ path: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            request.httpBody = body.map { Data($0.utf8) }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
        }
    }

    func withServer(_ body: (Client, ServerState) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "apus-server-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = ServerConfiguration(dataDirectory: dir)
        config.port = 0
        config.seedProjectID = 7
        config.seedProjectToken = "tok7"
        config.seedServiceAccount = "sa:secret"
        let (state, bootstrap) = try ApusServer.open(config, clock: ManualClock(ms: 1_735_700_000_000), logger: Logger(label: "test"))
        #expect(bootstrap?.project.id == 7)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await ApusServer.run(state: state) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(Client(base: "http://127.0.0.1:\(port)"), state)
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
        server.cancel()
        _ = await server.result
    }

    static let basic = "Basic " + Data("sa:secret".utf8).base64EncodedString()
    static let form = ["Content-Type": "application/x-www-form-urlencoded"]

    func formData(_ json: String) -> String {
        "data=" + json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    /// A tracked event is exported back with its properties.
    @Test func trackedEventIsExported() async throws {
        try await withServer { client, _ in
            let data = #"{"event":"Signup","properties":{"token":"tok7","distinct_id":"u1","time":1735689600,"$insert_id":"a1","plan":"pro"}}"#
            let (status, text) = try await client.send("/track/", method: "POST", headers: Self.form, body: formData(data))
            #expect(status == 200 && text == "1")
            let (exportStatus, exported) = try await client.send("/api/2.0/export?project_id=7&from_date=2025-01-01&to_date=2025-01-01",
                                                                 headers: ["Authorization": Self.basic, "Accept-Encoding": "identity"])
            #expect(exportStatus == 200)
            #expect(exported.contains(#""distinct_id":"u1","$insert_id":"a1","plan":"pro""#))
        }
    }

    /// An unknown token stores nothing and answers 0.
    @Test func unknownTokenStoresNothing() async throws {
        try await withServer { client, state in
            let data = #"{"event":"Signup","properties":{"token":"nope","distinct_id":"u1","time":1735689600}}"#
            let (_, text) = try await client.send("/track?" + formData(data))
            #expect(text == "0")
            #expect(try state.store.snapshot(of: 7).days(in: Int32.min...Int32.max).isEmpty)
        }
    }

    /// Export with a role below Analyst is refused; bad dates are named. (The 401 without
    /// credentials is asserted by the Python suite: Foundation's URLSession on Linux stalls on a
    /// 401 that carries WWW-Authenticate.)
    @Test func exportNeedsAnAnalyst() async throws {
        try await withServer { client, state in
            _ = try state.catalog.createServiceAccount(username: "viewer", secret: "pw", role: .consumer, projects: [7], nowMs: 0)
            let viewer = "Basic " + Data("viewer:pw".utf8).base64EncodedString()
            #expect(try await client.send("/api/2.0/export?project_id=7&from_date=2025-01-01&to_date=2025-01-01",
                                          headers: ["Authorization": viewer]).0 == 403)
            let (status, text) = try await client.send("/api/2.0/export?project_id=7&from_date=2025-13-01&to_date=2025-01-01",
                                                       headers: ["Authorization": Self.basic])
            #expect(status == 400)
            #expect(text.contains("from_date"))
        }
    }
}
