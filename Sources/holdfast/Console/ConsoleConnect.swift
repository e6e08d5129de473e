import Appliance
import ArgumentParser
import Foundation
import Glibc

/// `holdfast console`: the technician's console over holdfastd's local socket, on this terminal.
/// The terminal goes into raw mode so keys reach the console's own line editor (Ctrl-C drops a
/// line there rather than killing this program; Ctrl-D logs out and ends the connection).
struct ConsoleConnect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Open the technician's console of the running holdfastd (the default).")

    @Option(help: "The configuration holdfastd runs with (for its console socket).")
    var config = "/etc/holdfast/holdfast.yaml"

    @Option(help: "The console socket, if not the configuration's console.socket.")
    var socket: String?

    func run() throws {
        let path: String
        if let socket { path = socket } else {
            do { path = try ApplianceConfiguration.load(path: config).console.socket } catch { throw ValidationError("\(error)") }
        }
        let connection = try connect(path)
        defer { close(connection) }
        var saved = termios()
        let interactive = isatty(0) == 1 && tcgetattr(0, &saved) == 0
        if interactive {
            var raw = saved
            cfmakeraw(&raw)
            tcsetattr(0, TCSANOW, &raw)
        }
        defer { if interactive { tcsetattr(0, TCSANOW, &saved) } }
        relay(connection)
    }

    private func connect(_ path: String) throws -> Int32 {
        guard let address = UnixSocketAddress(path: path) else { throw ValidationError("'\(path)' cannot be used as a socket path") }
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ValidationError("socket(): \(String(cString: strerror(errno)))") }
        let connected = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ValidationError("cannot reach the console at \(path): \(reason) (is holdfastd running? are you its user or root?)")
        }
        return descriptor
    }

    /// Copies keys to the console and its output to this terminal until the console hangs up.
    private func relay(_ connection: Int32) {
        var descriptors = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: connection, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var inputOpen = true
        while true {
            descriptors[0].fd = inputOpen ? 0 : -1
            guard poll(&descriptors, 2, -1) > 0 else {
                if errno == EINTR { continue }
                return
            }
            if descriptors[1].revents != 0 {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { return }
                _ = buffer.withUnsafeBytes { write(1, $0.baseAddress, count) }
            }
            if inputOpen && descriptors[0].revents != 0 {
                let count = read(0, &buffer, buffer.count)
                if count > 0 {
                    _ = buffer.withUnsafeBytes { write(connection, $0.baseAddress, count) }
                } else {
                    // Input ended (a script's pipe): let the console finish what it was sent.
                    inputOpen = false
                    shutdown(connection, Int32(SHUT_WR))
                }
            }
        }
    }
}
