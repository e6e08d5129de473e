public import NIOCore
public import NIOHTTP1
public import NIOPosix
import NIOConcurrencyHelpers

/// One keep-alive HTTP/1.1 connection to one appliance, as a kiosk holds it: requests go one at a
/// time (more wait their turn on the connection, up to ``maximumWaiting``), and a closed
/// connection is opened again on the next request.
///
/// Each request leaves in one socket write, head and body together. Written on SwiftNIO's HTTP
/// codec rather than taken from AsyncHTTPClient because that client flushes a request's head
/// before its body, so every signed bet crossed the network as two TCP segments, doubling the
/// sender's system calls and the appliance's reads. `holdfast bench api` runs 64 of these beside
/// the daemon on the same two cores, where those calls were a fifth of the load generator's CPU
/// (docs/benchmarks-history.md, "Terminal API").
public final class KeepAliveTransport: TerminalTransport {
    public static let maximumWaiting = 64

    public let host: String
    public let port: Int
    private let group: any EventLoopGroup
    /// NIO's lock, which ThreadSanitizer sees (docs/adr/0005-sanitizer-visible-primitives.md).
    private let connection = NIOLockedValueBox<EventLoopFuture<any Channel>?>(nil)

    public init(host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.port = port
        self.group = group
    }

    public func execute(_ method: HTTPMethod, path: String, headers: @escaping @Sendable () -> HTTPHeaders, body: [UInt8],
                        timeout: TimeAmount) async throws -> TerminalClient.Answer {
        let host = "\(host):\(port)", length = String(body.count)
        let channel = try await openChannel()
        let answer = channel.eventLoop.makePromise(of: TerminalClient.Answer.self)
        // The head is made when the exchange reaches the connection, so it is signed then.
        let exchange = Exchange(head: {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers())
            head.headers.replaceOrAdd(name: "Host", value: host)
            head.headers.replaceOrAdd(name: "Content-Length", value: length)
            return head
        }, body: body.isEmpty ? nil : ByteBuffer(bytes: body), answer: answer, timeout: timeout)
        // A write that never reaches the handler (the connection closed meanwhile) still answers.
        channel.writeAndFlush(exchange).whenFailure { answer.fail($0) }
        return try await answer.futureResult.get()
    }

    /// Closes the connection; a later request opens a new one.
    public func close() async {
        let open = connection.withLockedValue { current in
            defer { current = nil }
            return current
        }
        guard let open, let channel = try? await open.get() else { return }
        try? await channel.close()
    }

    /// The open connection, or a new one when there is none or the last one closed.
    private func openChannel() async throws -> any Channel {
        for _ in 0..<2 {
            let future = connection.withLockedValue { current in
                if let current { return current }
                let opening = ClientBootstrap(group: group)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                        }
                    }
                    .connect(host: host, port: port)
                current = opening
                return opening
            }
            do {
                let channel = try await future.get()
                if channel.isActive { return channel }
                forget(future)
            } catch {
                forget(future)
                throw error
            }
        }
        throw KeepAliveTransportError(description: "the connection to \(host):\(port) closed as soon as it opened")
    }

    private func forget(_ future: EventLoopFuture<any Channel>) {
        connection.withLockedValue { current in
            if current === future { current = nil }
        }
    }
}

/// A request and where its answer goes.
struct Exchange: Sendable {
    var head: @Sendable () -> HTTPRequestHead
    var body: ByteBuffer?
    var answer: EventLoopPromise<TerminalClient.Answer>
    var timeout: TimeAmount
}

public struct KeepAliveTransportError: Error, CustomStringConvertible {
    public var description: String
}

/// Sends one exchange at a time and collects its answer; later exchanges wait in order.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Exchange
    typealias OutboundOut = HTTPClientRequestPart

    private var current: Exchange?
    /// Whether the current exchange's request, as sent, asked to keep the connection.
    private var requestKeptAlive = true
    private var timer: Scheduled<Void>?
    private var waiting: [Exchange] = []
    private var responseHead: HTTPResponseHead?
    private var responseBody: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        promise?.succeed()
        guard current != nil else { return start(exchange, context: context) }
        guard waiting.count < KeepAliveTransport.maximumWaiting else {
            return exchange.answer.fail(KeepAliveTransportError(
                description: "more than \(KeepAliveTransport.maximumWaiting) requests waiting for one connection"))
        }
        waiting.append(exchange)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            responseHead = head
            responseBody.removeAll(keepingCapacity: true)
        case .body(let part):
            guard responseBody.count + part.readableBytes <= maximumAnswerBytes else {
                return fail(KeepAliveTransportError(description: "the answer is larger than \(maximumAnswerBytes) bytes"), context: context)
            }
            responseBody.append(contentsOf: part.readableBytesView)
        case .end:
            guard let exchange = current, let head = responseHead else {
                return fail(KeepAliveTransportError(description: "an answer came with no request waiting for it"), context: context)
            }
            timer?.cancel()
            current = nil
            responseHead = nil
            let answer = TerminalClient.Answer(status: Int(head.status.code), headers: head.headers, body: responseBody)
            // Closed before the caller hears the answer, so its next request finds the
            // connection inactive and opens another.
            if !head.isKeepAlive || !requestKeptAlive { fail(KeepAliveTransportError(description: "the appliance closed the connection"), context: context) }
            exchange.answer.succeed(answer)
            if !waiting.isEmpty { start(waiting.removeFirst(), context: context) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(KeepAliveTransportError(description: "the connection to the appliance closed before it answered"))
        context.fireChannelInactive()
    }

    private func start(_ exchange: Exchange, context: ChannelHandlerContext) {
        current = exchange
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: exchange.timeout) { [weak self] in
            self?.fail(KeepAliveTransportError(description: "no answer within \(exchange.timeout.nanoseconds / 1_000_000) ms"),
                       context: context)
        }
        let head = exchange.head()
        requestKeptAlive = head.isKeepAlive
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = exchange.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// A connection in an unknown state is not reused: fail what it carries and close it.
    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        timer?.cancel()
        timer = nil
        let failing = (current.map { [$0] } ?? []) + waiting
        current = nil
        waiting = []
        for exchange in failing { exchange.answer.fail(error) }
    }
}
