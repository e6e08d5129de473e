import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOConcurrencyHelpers
import Testing
import TerminalClient
import TerminalProtocol

@Suite("Terminal client: one keep-alive connection per kiosk")
struct KeepAliveTransportTests {
    /// A hang guard: an answer takes milliseconds, but a request under ThreadSanitizer beside CPU
    /// hogs took over the client's 10 s default (scripts/flake-hunt, 2026-12-07).
    static let answerTimeout = TimeAmount.seconds(60)

    @Test("board, a bet and its retry go over one connection; concurrent requests wait their turn and each gets its own answer")
    func betsOverOneConnection() async throws {
        let appliance = try await RunningAppliance.start()
        let connection = KeepAliveTransport(host: "127.0.0.1", port: appliance.port)
        let kiosk = TerminalClient(transport: connection, terminalID: "kiosk-1", secret: appliance.secrets["kiosk-1"]!,
                                   timeout: Self.answerTimeout)
        let board = try await kiosk.board()
        let slip = Slips.single("r1-c", on: board, stake: 1_000, key: "keep-alive-1")
        let first = try await kiosk.send(.POST, "/v1/bets", body: slip.jsonBytes())
        #expect(first.status == 201)
        let retry = try await kiosk.send(.POST, "/v1/bets", body: slip.jsonBytes())
        #expect(retry.status == 200)
        #expect(try retry.decode(TicketView.self).ticketId == first.decode(TicketView.self).ticketId)

        let keys = (0..<20).map { "keep-alive-concurrent-\($0)" }
        let tickets = try await withThrowingTaskGroup(of: (String, TicketView).self) { group in
            for key in keys {
                group.addTask {
                    let answer = try await kiosk.send(.POST, "/v1/bets", body: Slips.single("r2-a", on: board, stake: 100, key: key).jsonBytes())
                    #expect(answer.status == 201)
                    return (key, try answer.decode(TicketView.self))
                }
            }
            return try await group.reduce(into: [String: TicketView]()) { $0[$1.0] = $1.1 }
        }
        #expect(Set(tickets.keys) == Set(keys))
        #expect(Set(tickets.values.map(\.ticketId)).count == keys.count)
        await connection.close()
        await appliance.stop()
    }

    @Test("a kiosk task on its connection's event loop stays on that loop's thread through each request")
    func kioskOnItsEventLoop() async throws {
        let appliance = try await RunningAppliance.start()
        let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
        let connection = KeepAliveTransport(host: "127.0.0.1", port: appliance.port, group: executor.eventLoop)
        let kiosk = TerminalClient(transport: connection, terminalID: "kiosk-1", secret: appliance.secrets["kiosk-1"]!,
                                   timeout: Self.answerTimeout)
        let onLoop = try await Task(executorPreference: executor) {
            var onLoop = [executor.eventLoop.inEventLoop]
            let board = try await kiosk.board()
            onLoop.append(executor.eventLoop.inEventLoop)
            let answer = try await kiosk.send(.POST, "/v1/bets", body: Slips.single("r1-a", on: board, stake: 500, key: "on-loop-1").jsonBytes())
            #expect(answer.status == 201)
            onLoop.append(executor.eventLoop.inEventLoop)
            return onLoop
        }.value
        #expect(onLoop == [true, true, true])
        #expect(!executor.eventLoop.inEventLoop)
        await connection.close()
        await appliance.stop()
    }

    @Test("a connection closed after an answer (Connection: close) is opened again for the next request")
    func reopensAfterClose() async throws {
        let appliance = try await RunningAppliance.start()
        let connection = KeepAliveTransport(host: "127.0.0.1", port: appliance.port)
        let kiosk = TerminalClient(transport: connection, terminalID: "kiosk-1", secret: appliance.secrets["kiosk-1"]!,
                                   timeout: Self.answerTimeout)
        let closing = try await kiosk.send(.GET, "/v1/board", headers: [("Connection", "close")])
        #expect(closing.status == 200)
        let next = try await kiosk.send(.GET, "/v1/board")
        #expect(next.status == 200)
        await connection.close()
        await appliance.stop()
    }

    @Test("a server that never answers fails the request after its timeout, naming it")
    func timesOut() async throws {
        // Accepts the connection and reads nothing.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let connection = KeepAliveTransport(host: "127.0.0.1", port: port)
        let client = TerminalClient(transport: connection, terminalID: "kiosk-1", secret: TerminalSecret(hex: String(repeating: "ab", count: 32))!,
                                    timeout: .milliseconds(200))
        // The message comes only from the transport's own timer, so it fired; how soon is not
        // asserted (under a sanitizer on two cores the test pool can be late by seconds).
        await #expect {
            _ = try await client.send(.GET, "/v1/board")
        } throws: { error in
            "\(error)".contains("no answer within 200 ms")
        }
        await connection.close()
        try await silent.close()
    }

    @Test("a request that waits its turn behind a slow answer is signed when it leaves, not when it was handed over")
    func signedAsItLeaves() async throws {
        let server = try await SlowFirstAnswerServer.start(holdFirstFor: .milliseconds(500))
        let connection = KeepAliveTransport(host: "127.0.0.1", port: server.port)
        let client = TerminalClient(transport: connection, terminalID: "kiosk-1", secret: TerminalSecret(hex: String(repeating: "ab", count: 32))!,
                                    timeout: Self.answerTimeout)
        async let first = client.send(.GET, "/v1/first")
        try await Task.sleep(for: .milliseconds(50))  // the second is handed over while the first is held
        async let second = client.send(.GET, "/v1/second")
        _ = try await (first, second)
        let stamps = server.timestamps
        #expect(stamps.count == 2)
        // Signed at hand-over, the second would carry a time within ~50 ms of the first's.
        #expect(stamps[1] - stamps[0] >= 450, "the second request's timestamp is \(stamps[1] - stamps[0]) ms after the first's")
        await connection.close()
        try await server.close()
    }
}

/// An HTTP/1.1 server that holds its first answer for a while, answers every request 200, and
/// keeps each request's signature timestamp.
private final class SlowFirstAnswerServer: Sendable {
    private let channel: any Channel
    private let stamps: NIOLockedValueBox<[Int64]>
    var port: Int { channel.localAddress!.port! }
    var timestamps: [Int64] { stamps.withLockedValue { $0 } }

    private init(channel: any Channel, stamps: NIOLockedValueBox<[Int64]>) {
        self.channel = channel
        self.stamps = stamps
    }

    static func start(holdFirstFor hold: TimeAmount) async throws -> SlowFirstAnswerServer {
        let stamps = NIOLockedValueBox<[Int64]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(stamps: stamps, hold: hold))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return SlowFirstAnswerServer(channel: channel, stamps: stamps)
    }

    func close() async throws { try await channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let stamps: NIOLockedValueBox<[Int64]>
        let hold: TimeAmount

        init(stamps: NIOLockedValueBox<[Int64]>, hold: TimeAmount) {
            self.stamps = stamps
            self.hold = hold
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else {
                if case .end = unwrapInboundIn(data) { answer(context: context) }
                return
            }
            let stamp = head.headers.first(name: RequestSignature.timestampHeader).flatMap { Int64($0) } ?? -1
            stamps.withLockedValue { $0.append(stamp) }
        }

        private func answer(context: ChannelHandlerContext) {
            let first = stamps.withLockedValue { $0.count } == 1
            let respond = { [context] in
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "0")
                context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
            }
            if first { context.eventLoop.scheduleTask(in: hold, respond) } else { respond() }
        }
    }
}
