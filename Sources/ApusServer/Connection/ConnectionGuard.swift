// Enforces ConnectionTimeouts on a live connection. Two small handlers share one
// ConnectionDeadline: `RawBytesObserver` sits first in the pipeline and sees every read (so a
// head dripped a byte at a time is noticed), `ConnectionGuard` sits after HTTP decoding and
// sees heads, body parts and the answers written. One timer is kept at the machine's deadline;
// when it fires past the deadline the connection is closed.
//
// It also honours `Connection: close` on an answer: the connection closes once that answer is
// written and the request is read (or the linger time passed), which is how early refusals
// (413 before the body, 503 over the memory budget) avoid reading a body nobody wants.

import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The HTTP-level half: heads, bodies and answers; owns the timer.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var machine: ConnectionDeadline
    private var timer: Scheduled<Void>?
    private var timerDeadline: UInt64?
    private var context: ChannelHandlerContext?

    init(timeouts: ConnectionTimeouts) {
        machine = ConnectionDeadline(timeouts: timeouts, now: Self.now())
    }

    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        reschedule()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    /// Called by `RawBytesObserver` for every read, before decoding.
    func bytesArrived() {
        machine.bytesArrived(now: Self.now())
        reschedule()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = Self.now()
        var closeNow = false
        switch unwrapInboundIn(data) {
        case .head: machine.headArrived(now: now)
        case .body(let buffer): machine.bodyArrived(bytes: buffer.readableBytes, now: now)
        case .end: closeNow = machine.endArrived(now: now)
        }
        context.fireChannelRead(data)
        if closeNow { context.close(promise: nil) } else { reschedule() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            let connection = head.headerFields[.connection]?.lowercased() ?? ""
            machine.responseStarted(closing: connection.contains("close"))
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if machine.responseEnded(now: Self.now()) {
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
            } else {
                context.write(data, promise: promise)
                reschedule()
            }
        }
    }

    /// Keeps one timer no later than the machine's deadline.
    private func reschedule() {
        guard let context else { return }
        guard let deadline = machine.deadline else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(
            deadline: .uptimeNanoseconds(deadline)
        ) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let context else { return }
        if machine.isExpired(now: Self.now()) {
            context.close(promise: nil)
        } else {
            reschedule()
        }
    }
}

/// The byte-level half: tells the guard that something arrived, before HTTP decoding.
final class RawBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connectionGuard: ConnectionGuard

    init(_ connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connectionGuard.bytesArrived()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}

@available(*, unavailable)
extension RawBytesObserver: Sendable {}
