import Foundation

/// A real NUT upsd with the dummy-ups driver on 127.0.0.1, run from a private configuration
/// directory with the binaries of Debian's nut-server package, not its service. The UPS's state
/// is changed by rewriting the driver's .dev file; the driver and upsd can be killed and
/// restarted like a failing box.
public final class NUTServer {
    public let directory: TemporaryDirectory
    public let port: Int
    public let ups = "dummy"
    private var driver: Spawned?
    /// The data file's last modification time: dummy-ups notices a change by st_mtime in whole
    /// seconds, so two writes within one second would look like one.
    private var lastWrite = Date.distantPast
    private var upsd: Spawned?

    public init(status: String = "OL", charge: Int = 100, runtime: Int = 1_800) throws {
        guard FileManager.default.isExecutableFile(atPath: "/lib/nut/upsd"), FileManager.default.isExecutableFile(atPath: "/lib/nut/dummy-ups") else {
            throw ChildProcessError("NUT is not installed: scripts/install-deps installs nut-server")
        }
        directory = try TemporaryDirectory()
        port = try LoopbackPort.free()
        let path = directory.path
        try FileManager.default.createDirectory(atPath: path + "/state", withIntermediateDirectories: true)
        try """
            user = root
            [dummy]
              driver = dummy-ups
              port = \(path)/dummy.dev
              pollinterval = 1
              desc = "Holdfast test UPS"
            """.write(toFile: path + "/ups.conf", atomically: true, encoding: .utf8)
        try "LISTEN 127.0.0.1 \(port)\nMAXAGE 5\n".write(toFile: path + "/upsd.conf", atomically: true, encoding: .utf8)
        try "[monitor]\n  password = monpass\n  upsmon primary\n".write(toFile: path + "/upsd.users", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path + "/upsd.users")
        try set(status: status, charge: charge, runtime: runtime)
    }

    /// Rewrites the driver's data file atomically; upsd shows it within about a second.
    public func set(status: String, charge: Int, runtime: Int) throws {
        let temporary = directory.path + "/dummy.dev.tmp"
        try "ups.status: \(status)\nbattery.charge: \(charge)\nbattery.runtime: \(runtime)\n"
            .write(toFile: temporary, atomically: false, encoding: .utf8)
        let stamp = max(Date(), lastWrite.addingTimeInterval(1))
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: temporary)
        lastWrite = stamp
        _ = rename(temporary, directory.path + "/dummy.dev")
    }

    public func startDriver() throws { driver = try launch("/lib/nut/dummy-ups", ["-a", ups, "-F"]) }

    /// Starts the driver and waits until its socket for upsd exists, rather than a fixed time:
    /// the driver alone takes about a second, and longer on a loaded machine. Throws when it has
    /// not made the socket within `bound` (generous: only a broken driver takes that long). A
    /// killed driver leaves its socket behind, so that is removed first.
    public func startDriver(readyWithin bound: Duration) async throws {
        let driverSocket = directory.path + "/state/dummy-ups-\(ups)"
        try? FileManager.default.removeItem(atPath: driverSocket)
        try startDriver()
        guard await fileAppears(at: driverSocket, within: bound) else {
            throw ChildProcessError("dummy-ups made no socket at \(driverSocket) within \(bound)")
        }
    }

    public func startUpsd() throws { upsd = try launch("/lib/nut/upsd", ["-F", "-u", "root"]) }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the driver: upsd reports DATA-STALE after MAXAGE.
    public func freezeDriver(_ frozen: Bool) {
        driver?.signal(frozen ? SIGSTOP : SIGCONT)
    }

    /// Logs in as the primary monitor and sets FSD, as upsmon on the UPS's own host would.
    /// Returns upsd's last answer ("OK FSD-SET").
    public func setForcedShutdown() throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw ChildProcessError("cannot connect to upsd on port \(port)") }
        // A hang guard, not a bound on upsd: an upsd that never answers fails the call (an empty
        // answer) instead of blocking this thread past the test's time limit.
        var patience = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &patience, socklen_t(MemoryLayout<timeval>.size))
        var answer = ""
        for request in ["USERNAME monitor", "PASSWORD monpass", "LOGIN \(ups)", "FSD \(ups)"] {
            let bytes = Array((request + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, bytes.count) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 256) }
            answer = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return answer
    }

    // SIGKILL throughout: a child of the test process may inherit a blocked SIGTERM (seen here:
    // upsd ignored it), and a vanished upsd or driver is what these tests are about anyway.
    public func killDriver() { stop(&driver) }
    public func killUpsd() { stop(&upsd) }

    public func stopAll() {
        killUpsd()
        killDriver()
    }

    private func launch(_ executable: String, _ arguments: [String]) throws -> Spawned {
        var environment = ProcessInfo.processInfo.environment
        environment["NUT_CONFPATH"] = directory.path
        environment["NUT_STATEPATH"] = directory.path + "/state"
        environment["NUT_ALTPIDPATH"] = directory.path + "/state"
        let log = directory.path + "/" + (executable as NSString).lastPathComponent + ".log"
        let output = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw ChildProcessError("cannot write \(log)") }
        defer { close(output) }
        return try Spawned(executable, arguments, environment: environment, standardOutput: output, standardError: output)
    }

    /// Waits until the killed child has exited: its sockets are closed then, so a new upsd can
    /// take the port. SIGKILL ends a process within milliseconds.
    private func stop(_ child: inout Spawned?) {
        guard let running = child else { return }
        running.signal(SIGCONT)
        running.signal(SIGKILL)
        _ = running.waitBlocking()
        child = nil
    }

    deinit { stopAll() }
}
