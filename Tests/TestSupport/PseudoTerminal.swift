import Glibc

/// A pseudo-terminal pair, the test holding the master side as a technician's laptop would hold
/// the far end of a serial cable; the slave's path is what the daemon is configured to serve.
public final class PseudoTerminal: @unchecked Sendable {
    public let slavePath: String
    private var master: Int32
    private var received: [UInt8] = []

    public init() throws {
        // posix_openpt and friends are not in Swift's Glibc module, nor the _IOR/_IOW-built ioctl
        // numbers they use; these are asm-generic's (x86_64 and arm64 alike).
        let lockRequest: UInt = 0x4004_5431 // TIOCSPTLCK
        let numberRequest: UInt = 0x8004_5430 // TIOCGPTN
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, lockRequest, &unlock) == 0, ioctl(master, numberRequest, &number) == 0 else {
            throw ChildProcessError("cannot make a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        slavePath = "/dev/pts/\(number)"
    }

    /// Opens the far end of a serial link someone else made (socat's second pty), raw, as a
    /// terminal program on the technician's laptop would.
    public init(openingDevice path: String) throws {
        master = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw ChildProcessError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var settings = termios()
        tcgetattr(master, &settings)
        cfmakeraw(&settings)
        tcsetattr(master, TCSANOW, &settings)
        slavePath = path
    }

    /// The far end of a serial line that qemu serves on a Unix socket (`-chardev socket`, as
    /// scripts/gpio-vm/run --serial2 does): no tty on this side, but the same bytes as a cable.
    public init(connectingToSocket path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ChildProcessError("\(path) is too long for a socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        guard descriptor >= 0, connected else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { Glibc.close(descriptor) }
            throw ChildProcessError("cannot connect to \(path): \(reason)")
        }
        master = descriptor
        slavePath = path
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Reads until `text` has arrived (returning everything up to and including it) or the
    /// timeout passes (returning nil; `transcript` then shows what did arrive). The timeout counts
    /// the waits' nominal lengths, so a loaded machine's late wake-ups only lengthen it.
    ///
    /// 30 s by default: one console answer can take a scrypt PIN check in a ThreadSanitizer build
    /// beside CPU hogs, seconds where it takes a tenth of one unloaded; only a hung console waits it out.
    public func expect(_ text: String, timeoutMillis: Int = 30_000) async -> String? {
        let needle = Array(text.utf8)
        var waited = 0
        while true {
            if let end = Self.find(needle, in: received) {
                let matched = String(decoding: received[..<end], as: UTF8.self)
                received.removeSubrange(..<end)
                return matched
            }
            guard waited < timeoutMillis else { return nil }
            // Polled without blocking, and the waits are the task's own sleeps: a test blocked in
            // poll would hold one of the cooperative pool's threads (two on the CI machine).
            // With no slave open the master polls as hung up and reads fail: wait, do not spin.
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            var buffer = [UInt8](repeating: 0, count: 4_096)
            if poll(&poller, 1, 0) > 0, case let count = Glibc.read(master, &buffer, buffer.count), count > 0 {
                received += buffer[..<count]
            } else {
                try? await Task.sleep(for: .milliseconds(10))
                waited += 10
            }
        }
    }

    /// What has arrived and not been matched yet.
    public var transcript: String { String(decoding: received, as: UTF8.self) }

    /// The far end hangs up (the cable is pulled).
    public func hangUp() {
        if master >= 0 { Glibc.close(master) }
        master = -1
    }

    deinit { hangUp() }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }
}
