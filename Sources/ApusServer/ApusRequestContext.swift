// The per-request context every route receives: Hummingbird's core storage plus the peer's
// address, which the body budget uses to tell clients apart.

import Hummingbird
import NIOCore

/// Request context of every Apus route.
package struct ApusRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The connection's peer address (nil when unknown).
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, or "unknown".
    package var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}
