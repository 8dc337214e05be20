// Starts a release `apus serve` on a fresh data folder and drives /import with raw keep-alive
// HTTP/1.1 connections (one thread each), so the client costs as little CPU as possible.

import Foundation

enum ApusRun {
    struct Result { var seconds: Double }

    /// `keepData`: use this folder and leave it behind (to measure reads of the same data).
    static func measure(binary: String, bodies: [[UInt8]], clients: Int, durability: String, keepData: String? = nil) throws -> Result {
        let dir = keepData ?? NSTemporaryDirectory() + "apus-bench-" + UUID().uuidString
        defer { if keepData == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--data", dir, "--durability", durability, "--log-level", "warning"]
        var env = ProcessInfo.processInfo.environment
        env["APUS_PROJECT_ID"] = "1"
        env["APUS_PROJECT_TOKEN"] = "benchtoken"
        env["APUS_SERVICE_ACCOUNT"] = "bench:benchsecret"
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var port = 0
        var buffer = Data()
        while port == 0 {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError("apus exited before listening") }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let r = text.range(of: "apus listening on http://127.0.0.1:") {
                let digits = text[r.upperBound...].prefix { $0.isNumber }
                if text[r.upperBound...].dropFirst(digits.count).first == "\n" { port = Int(digits) ?? 0 }
            }
        }
        let auth = "Basic " + Data("bench:benchsecret".utf8).base64EncodedString()
        let head = { (n: Int) in Array("POST /import?strict=1&project_id=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(auth)\r\nContent-Type: application/json\r\nContent-Length: \(n)\r\n\r\n".utf8) }
        // Warm up: one request.
        let warm = try HTTPConnection(port: port)
        _ = try warm.roundTrip(head(bodies[0].count) + bodies[0])
        let next = NSLock()
        var index = 0
        var failures = 0
        let listeningPort = port
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: clients) { _ in
            guard let conn = try? HTTPConnection(port: listeningPort) else { return }
            while true {
                next.lock()
                let i = index
                index += 1
                next.unlock()
                if i >= bodies.count { break }
                let status = (try? conn.roundTrip(head(bodies[i].count) + bodies[i])) ?? 0
                if status != 200 { next.lock(); failures += 1; next.unlock() }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        if failures > 0 { throw BenchError("\(failures) requests failed") }
        return Result(seconds: seconds)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
