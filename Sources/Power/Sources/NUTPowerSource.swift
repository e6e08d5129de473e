import NIOCore
import NIOPosix

/// A USB or serial UPS managed by Network UPS Tools: Holdfast speaks upsd's TCP protocol itself
/// (no Swift library for it exists), as NUT's upsmon does: log in as a monitor, then poll
/// `ups.status`, `battery.charge` and `battery.runtime`.
///
/// Whatever goes wrong becomes a `.stale` event naming it, and the source reconnects with
/// exponential backoff and jitter: `WAIT` (no driver data yet), `ERR DATA-STALE` (driver frozen),
/// `ERR DRIVER-NOT-CONNECTED` (driver dead), a garbage line, an answer that never comes, upsd
/// closing the connection or refusing it. The supervisor then applies upsmon's dead-time rule.
public struct NUTPowerSource: PowerSource {
    public struct Settings: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var ups: String
        public var username: String?
        public var password: String?
        public var pollInterval: Duration
        /// Longest wait for one answer before the connection is dropped and made again.
        public var answerTimeout: Duration
        public var maximumBackoff: Duration

        public init(host: String = "127.0.0.1", port: Int = 3493, ups: String, username: String? = nil, password: String? = nil,
                    pollInterval: Duration = .seconds(1), answerTimeout: Duration = .seconds(3), maximumBackoff: Duration = .seconds(10)) {
            self.host = host
            self.port = port
            self.ups = ups
            self.username = username
            self.password = password
            self.pollInterval = pollInterval
            self.answerTimeout = answerTimeout
            self.maximumBackoff = maximumBackoff
        }
    }

    public let settings: Settings
    public var kind: String { "nut" }

    public init(_ settings: Settings) {
        self.settings = settings
    }

    public func events() -> AsyncStream<PowerSourceEvent> {
        let (stream, continuation) = AsyncStream<PowerSourceEvent>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let settings = self.settings
        let task = Task {
            var last: PowerSourceEvent?
            let emit: @Sendable (PowerSourceEvent) -> Void = { continuation.yield($0) }
            var backoff = Duration.milliseconds(250)
            while !Task.isCancelled {
                let outcome = await NUTSession.run(settings, deduplicating: &last, emit: emit)
                if Task.isCancelled { break }
                if outcome.wasHealthy { backoff = .milliseconds(250) }
                let stale = PowerSourceEvent.stale(reason: outcome.reason)
                if stale != last { emit(stale); last = stale }
                let jitter = Duration.milliseconds(Int64.random(in: 0...100))
                try? await Task.sleep(for: backoff + jitter)
                backoff = min(backoff * 2, settings.maximumBackoff)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// One connection to upsd, from connect to failure.
enum NUTSession {
    struct Outcome {
        var reason: String
        /// At least one good reading was made on this connection (the backoff starts over).
        var wasHealthy: Bool
    }

    private struct Failure: Error {
        var reason: String
    }

    static func run(_ settings: NUTPowerSource.Settings, deduplicating last: inout PowerSourceEvent?,
                    emit: @Sendable (PowerSourceEvent) -> Void) async -> Outcome {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(settings.answerTimeout) + .seconds(1))
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return Outcome(reason: "upsd at \(settings.host):\(settings.port) unreachable: \(error)", wasHealthy: false)
        }
        var healthy = false
        var lastSeen = last
        let outcome: Outcome
        do {
            try await channel.executeThenClose { inbound, outbound in
                var lines = LineReader(inbound.makeAsyncIterator())
                func ask(_ request: String, variable: String?) async throws -> NUTReply {
                    // Never the password itself: only the request's first word or the variable.
                    let asked = variable.map { "GET VAR \($0)" } ?? String(request.split(separator: " ")[0])
                    do {
                        try await outbound.write(ByteBuffer(string: request + "\n"))
                    } catch {
                        throw Failure(reason: "upsd connection lost before \(asked) was sent: \(error)")
                    }
                    // Closing the channel is what wakes the read below; the watchdog's value tells
                    // that close apart from upsd hanging up, so the reason names the right one.
                    let watchdog = Task {
                        try await Task.sleep(for: settings.answerTimeout)
                        channel.channel.close(promise: nil)
                        return true
                    }
                    let line: String?
                    let readFailure: (any Error)?
                    do {
                        (line, readFailure) = (try await lines.next(), nil)
                    } catch {
                        (line, readFailure) = (nil, error)
                    }
                    watchdog.cancel()
                    // Also when a line did come: the watchdog may have closed the channel just as it
                    // arrived, and the next request would fail on the closed channel.
                    if (try? await watchdog.value) == true {
                        throw Failure(reason: "upsd did not answer \(asked) within \(settings.answerTimeout)")
                    }
                    if let readFailure { throw readFailure }
                    guard let line else { throw Failure(reason: "upsd closed the connection") }
                    guard let reply = NUTReply.parse(line, ups: settings.ups, variable: variable) else {
                        throw Failure(reason: "garbage from upsd: '\(line.prefix(80))'")
                    }
                    return reply
                }
                if let username = settings.username, let password = settings.password {
                    for request in ["USERNAME \(username)", "PASSWORD \(password)", "LOGIN \(settings.ups)"] {
                        if case .error(let code) = try await ask(request, variable: nil) {
                            throw Failure(reason: "upsd refused \(request.split(separator: " ")[0]): \(code)")
                        }
                    }
                }
                while !Task.isCancelled {
                    var values: [String: String] = [:]
                    for variable in ["ups.status", "battery.charge", "battery.runtime"] {
                        switch try await ask("GET VAR \(settings.ups) \(variable)", variable: variable) {
                        case .value(let value): values[variable] = value
                        case .error("VAR-NOT-SUPPORTED") where variable != "ups.status": break
                        case .error(let code): throw Failure(reason: "upsd: \(code)")
                        case .ok: throw Failure(reason: "upsd answered OK to GET VAR")
                        }
                    }
                    let status = values["ups.status"] ?? ""
                    let event: PowerSourceEvent = status.split(separator: " ").contains("WAIT")
                        ? .stale(reason: "upsd: no data from the driver yet (WAIT)")
                        : .observed(NUTReply.observation(status: status, charge: values["battery.charge"], runtime: values["battery.runtime"]))
                    if case .observed = event { healthy = true }
                    if event != lastSeen { emit(event); lastSeen = event }
                    try await Task.sleep(for: settings.pollInterval)
                }
            }
            outcome = Outcome(reason: "stopped", wasHealthy: healthy)
        } catch let failure as Failure {
            outcome = Outcome(reason: failure.reason, wasHealthy: healthy)
        } catch {
            outcome = Outcome(reason: "upsd connection failed: \(error)", wasHealthy: healthy)
        }
        last = lastSeen
        return outcome
    }
}

/// Splits upsd's byte stream into lines, bounded so a peer that never sends a newline cannot grow
/// memory without limit: an overlong line comes out once, cut to its first 80 bytes and an
/// ellipsis (garbage to the parser), and the rest of it is skipped up to its newline.
struct LineReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var pending: [UInt8] = []
    /// Set after an overlong line was cut off, until its newline has gone by.
    private var skippingRestOfLine = false
    static let maximumLine = 4_096

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func next() async throws -> String? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if skippingRestOfLine {
                    skippingRestOfLine = false
                    continue
                }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if skippingRestOfLine {
                pending.removeAll(keepingCapacity: true)
            } else if pending.count > Self.maximumLine {
                let cutOff = String(decoding: pending.prefix(80), as: UTF8.self) + "…"
                pending.removeAll(keepingCapacity: true)
                skippingRestOfLine = true
                return cutOff
            }
            guard let chunk = try await iterator.next() else { return nil }
            pending.append(contentsOf: chunk.readableBytesView)
        }
    }
}
