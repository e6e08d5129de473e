import Foundation
import Glibc

/// systemd's notify protocol, spoken directly: one datagram of `KEY=value` lines to the socket
/// named by `NOTIFY_SOCKET` (READY, STATUS, WATCHDOG, STOPPING). No Swift package in reach does it
/// and libsystemd's sd_notify is a few lines of socket code, so it is written here rather than
/// linking libsystemd for one call.
public struct SystemdNotifier: Sendable {
    /// The socket path (`@` first: Linux's abstract namespace), or nil when not run by systemd.
    public let socketPath: String?
    /// How often systemd expects `WATCHDOG=1` (`WATCHDOG_USEC`), when it watches this process.
    public let watchdogInterval: Duration?

    /// Reads this process's environment.
    public init() {
        self.init(environment: ProcessInfo.processInfo.environment, processID: getpid())
    }

    public init(environment: [String: String], processID: Int32) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        // WATCHDOG_PID, when set, names the process the watchdog is for (not a child we started).
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 {
            watchdogInterval = .microseconds(micros)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends one notification; false when there is no socket or it could not be sent.
    ///
    /// Never blocks: a Unix datagram socket queues only `net.unix.max_dgram_qlen` messages (10 by
    /// default), and a reader that has stalled must not stall the daemon, least of all its
    /// shutdown, which sends STOPPING. A message that does not fit is dropped (false).
    @discardableResult
    public func notify(_ fields: [String: String]) -> Bool {
        guard let socketPath else { return false }
        let message = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        guard let address = UnixSocketAddress(path: socketPath) else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let sent = address.withSockaddr { target, length in
            Array(message.utf8).withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), target, length) }
        }
        return sent >= 0
    }
}
