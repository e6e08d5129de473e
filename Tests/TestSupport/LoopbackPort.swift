import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Ports on 127.0.0.1 for the servers the tests start as other processes (PostgreSQL, central,
/// upsd, qemu's forward), which must be told their port before they bind it.
public enum LoopbackPort {
    /// A port nobody has bound, that this process has not handed out before.
    ///
    /// The port is bound later by another process, and again when a test restarts that server on
    /// it; in between it is free. Inside the kernel's ephemeral range (ip_local_port_range) any
    /// outgoing connection on the machine, or anyone's bind to port 0, may be given it then, and
    /// the server cannot start: on a busy CI machine that happens. Below that range only an
    /// explicit bind takes a port, so one is picked there, from a random start, so that another
    /// process picking the same way (the gauntlet's child) does not walk the same ports.
    public static func free() throws -> Int {
        try picker.withLockedValue { try $0.next() }
    }

    private static let picker = NIOLockedValueBox(Picker())

    private struct Picker {
        var handedOut: Set<Int> = []
        var cursor: Int?

        mutating func next() throws -> Int {
            if let range = LoopbackPort.belowEphemeral() {
                var port = cursor ?? Int.random(in: range)
                for _ in 0..<range.count {
                    port = port < range.upperBound ? port + 1 : range.lowerBound
                    if !handedOut.contains(port), LoopbackPort.bind(port) != nil {
                        handedOut.insert(port)
                        cursor = port
                        return port
                    }
                }
            }
            // No room below the ephemeral range on this machine: the kernel's choice, as before.
            for _ in 0..<100 {
                guard let port = LoopbackPort.bind(0) else { break }
                if handedOut.insert(port).inserted { return port }
            }
            throw ChildProcessError("no free port on 127.0.0.1")
        }
    }

    /// From 15000 (above the usual services' ports) to just below the ephemeral range; nil when
    /// that leaves fewer than 1,000 ports.
    private static func belowEphemeral() -> ClosedRange<Int>? {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        guard let low = text.split(whereSeparator: \.isWhitespace).first.flatMap({ Int($0) }), low - 1 - 15_000 >= 1_000 else { return nil }
        return 15_000...(low - 1)
    }

    /// Binds `port` (0: the kernel picks) on 127.0.0.1 without SO_REUSEADDR, so that any socket
    /// on it, listening or lingering, makes it fail; answers the port bound, then lets it go.
    private static func bind(_ port: Int) -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
