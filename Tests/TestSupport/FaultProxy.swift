import Foundation
import NIOConcurrencyHelpers

/// A fault-injecting TCP proxy on 127.0.0.1 between the appliance and central (Debian 12 has
/// no toxiproxy). Bytes pass through untouched, TLS included, until the
/// test sets a fault; every fault applies to connections already open as well as new ones.
public final class FaultProxy: Sendable {
    public enum Fault: Sendable, Hashable {
        case none
        /// Every chunk, each way, is held this long first.
        case latency(milliseconds: Int)
        /// Connections are accepted and read, but nothing is forwarded or answered.
        case blackhole
        /// A request is cut off: half of its first chunk reaches central, then both sides are reset.
        case resetRequests
        /// Central's answers are thrown away and the connection reset, once the TLS handshake is
        /// done: central committed, the appliance never hears so.
        case dropResponses
        /// New connections are reset at once.
        case refuseConnections
    }

    public let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private struct State {
        var fault: Fault = .none
        var injected = 0
        var held = 0
        var open: Set<Int32> = []
        var stopped = false
    }
    private let state = NIOLockedValueBox(State())

    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 64) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw ChildProcessError("the fault proxy cannot listen: errno \(errno)")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    public func set(_ fault: Fault) {
        state.withLockedValue { $0.fault = fault }
    }

    /// How many times a fault was applied (a connection cut, an answer dropped, ...).
    public var faultsInjected: Int { state.withLockedValue { $0.injected } }

    /// Chunks the latency fault is holding right now: a request or an answer on its way.
    public var chunksHeld: Int { state.withLockedValue { $0.held } }

    /// Resets every open connection, as a link that drops would.
    public func resetAll() {
        // Under the lock: a connection leaves `open` before its descriptors are closed, so a
        // number shut down here is never one reused by another connection.
        state.withLockedValue { state in
            for descriptor in state.open { shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    public func stop() {
        state.withLockedValue { $0.stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        resetAll()
    }

    deinit {
        stop()
        close(listener)
    }

    private var fault: Fault { state.withLockedValue { $0.fault } }

    private func countFault() { state.withLockedValue { $0.injected += 1 } }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if state.withLockedValue({ $0.stopped }) { return }
                continue
            }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        guard fault != .refuseConnections else {
            countFault()
            Self.reset(client)
            return
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            Self.reset(client)
            close(upstream)
            return
        }
        state.withLockedValue { $0.open.formUnion([client, upstream]) }
        pump(client: client, upstream: upstream)
        state.withLockedValue { $0.open.subtract([client, upstream]) }
        Self.reset(client)
        Self.reset(upstream)
    }

    /// Moves bytes both ways until either side closes or a fault ends the connection.
    private func pump(client: Int32, upstream: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        // Flights from central: the first is the TLS handshake's; answers come in later ones.
        var upstreamFlights = 0
        var lastFromClient = true
        while true {
            var descriptors = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
            guard poll(&descriptors, 2, 200) >= 0 else { return }
            for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                let fromClient = index == 0
                let count = buffer.withUnsafeMutableBytes { read(descriptor.fd, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                if !fromClient && lastFromClient { upstreamFlights += 1 }
                lastFromClient = fromClient
                let destination = fromClient ? upstream : client
                switch fault {
                case .none, .refuseConnections:
                    guard Self.writeAll(destination, buffer[..<count]) else { return }
                case .latency(let milliseconds):
                    state.withLockedValue { $0.held += 1 }
                    usleep(useconds_t(milliseconds * 1_000))
                    state.withLockedValue { $0.held -= 1 }
                    guard Self.writeAll(destination, buffer[..<count]) else { return }
                case .blackhole:
                    continue
                case .resetRequests where fromClient:
                    countFault()
                    _ = Self.writeAll(destination, buffer[..<max(1, count / 2)])
                    return
                case .dropResponses where !fromClient && upstreamFlights >= 2:
                    countFault()
                    return
                case .resetRequests, .dropResponses:
                    guard Self.writeAll(destination, buffer[..<count]) else { return }
                }
            }
        }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Closes with RST rather than FIN (SO_LINGER 0), as a dropped link looks to the peer.
    private static func reset(_ descriptor: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(descriptor)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
