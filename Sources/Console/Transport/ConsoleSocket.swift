import Appliance
import Foundation
import Glibc
public import ServiceLifecycle
import Synchronization

/// The console on a local Unix socket, for `holdfast console` on the appliance itself (mode 0600:
/// holdfastd's user and root). The same sessions as the serial line, except that logging out
/// ends the connection. At most ``maximumSessions`` at once; more are told so and closed.
public struct ConsoleSocket: Service {
    public static let maximumSessions = 4
    private let context: ConsoleContext
    private let path: String

    public init(context: ConsoleContext, path: String) {
        self.context = context
        self.path = path
    }

    public func run() async throws {
        let listener: Int32
        do { listener = try listen() } catch {
            context.logger.error("console socket unavailable; `holdfast console` will not reach this daemon",
                                 metadata: ["path": "\(path)", "error": "\(error)"])
            return
        }
        defer {
            close(listener)
            unlink(path)
        }
        let sessions = SessionCount()
        let stop = Atomic<Bool>(false)
        // accept(2) blocks, and the cooperative pool must not: a thread accepts and hands over.
        let (connections, delivery) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(Self.maximumSessions))
        let acceptor = Thread {
            while !stop.load(ordering: .relaxed) {
                var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 200) > 0 else { continue }
                let connection = accept(listener, nil, nil)
                if connection >= 0 {
                    _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                    delivery.yield(connection)
                }
            }
            delivery.finish()
        }
        acceptor.name = "holdfast-console-socket"
        acceptor.start()
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await connection in connections {
                    let line = ConsoleLine(descriptor: connection, path: path)
                    guard sessions.open.add(1, ordering: .relaxed).newValue <= Self.maximumSessions else {
                        _ = line.write(Array("console busy: \(Self.maximumSessions) sessions are open\r\n".utf8))
                        line.close()
                        sessions.open.subtract(1, ordering: .relaxed)
                        continue
                    }
                    let context = self.context
                    group.addTask {
                        await LineSessionRunner.serve(line, context: context, place: "console socket", endsOnLogout: true)
                        line.close()
                        sessions.open.subtract(1, ordering: .relaxed)
                    }
                }
            } onGracefulShutdown: {
                stop.store(true, ordering: .relaxed)
            }
            group.cancelAll()
        }
        stop.store(true, ordering: .relaxed)
        while !acceptor.isFinished { try? await Task.sleep(for: .milliseconds(20)) }
    }

    private final class SessionCount: Sendable {
        let open = Atomic<Int>(0)
    }

    private struct SocketFailure: Error, CustomStringConvertible {
        var description: String
    }

    private func listen() throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketFailure(description: "socket(): \(String(cString: strerror(errno)))") }
        guard let address = UnixSocketAddress(path: path) else {
            close(descriptor)
            throw SocketFailure(description: "the path is longer than a Unix socket path may be")
        }
        unlink(path) // a socket left by a killed daemon
        let bound = address.withSockaddr { bind(descriptor, $0, $1) }
        guard bound == 0, chmod(path, 0o600) == 0, Glibc.listen(descriptor, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw SocketFailure(description: "cannot listen on \(path): \(reason)")
        }
        return descriptor
    }
}
