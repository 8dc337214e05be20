// Liveness: answers once the store is open (the server starts listening only after that).

import Hummingbird

package struct HealthRoutes: Sendable {
    package func register(on router: Router<ApusRequestContext>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
    }
}
