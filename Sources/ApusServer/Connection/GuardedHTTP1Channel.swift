// Hummingbird's HTTP/1 child channel with the connection guard installed: the byte observer
// first in the pipeline, the guard right after HTTP decoding. The pipeline is the one
// Hummingbird's `HTTP1Channel` builds (NIO's HTTP/1 codec, HTTP types, its connection-state
// handler for graceful shutdown); request handling is Hummingbird's own `handleHTTP`.

import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// An HTTP/1 server channel whose connections obey `ConnectionTimeouts`.
struct GuardedHTTP1Channel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let timeouts: ConnectionTimeouts

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let connectionGuard = ConnectionGuard(timeouts: timeouts)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(RawBytesObserver(connectionGuard))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: .init())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(connectionGuard)
            // No idle timeout of its own (the guard has them); it still closes idle connections
            // on graceful shutdown.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with Apus's connection timeouts.
    static func guardedHTTP1(timeouts: ConnectionTimeouts) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, timeouts: timeouts) }
    }
}
