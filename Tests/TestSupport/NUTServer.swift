import Foundation

/// A real NUT upsd with the dummy-ups driver on 127.0.0.1, run from a private configuration
/// directory (TESTING-REAL-PARTS.md, "NUT"). The UPS's state is changed by rewriting the driver's
/// .dev file; the driver and upsd can be killed and restarted like a failing box.
public final class NUTServer {
    public let directory: TemporaryDirectory
    public let port: Int
    public let ups = "dummy"
    private var driver: Process?
    /// The data file's last modification time: dummy-ups notices a change by st_mtime in whole
    /// seconds, so two writes within one second would look like one.
    private var lastWrite = Date.distantPast
    private var upsd: Process?

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
    public func startUpsd() throws { upsd = try launch("/lib/nut/upsd", ["-F", "-u", "root"]) }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the driver: upsd reports DATA-STALE after MAXAGE.
    public func freezeDriver(_ frozen: Bool) {
        if let driver { kill(driver.processIdentifier, frozen ? SIGSTOP : SIGCONT) }
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

    private func launch(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NUT_CONFPATH"] = directory.path
        environment["NUT_STATEPATH"] = directory.path + "/state"
        environment["NUT_ALTPIDPATH"] = directory.path + "/state"
        process.environment = environment
        let log = directory.path + "/" + (executable as NSString).lastPathComponent + ".log"
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw ChildProcessError("cannot write \(log)") }
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        return process
    }

    private func stop(_ process: inout Process?) {
        guard let running = process else { return }
        kill(running.processIdentifier, SIGCONT)
        kill(running.processIdentifier, SIGKILL)
        Self.waitUntilDead(running.processIdentifier)
        process = nil
    }

    /// Until the killed child has exited (gone, or a zombie Foundation has yet to reap): its
    /// sockets are closed then, so a new upsd can take the port. Not `waitUntilExit()`, which
    /// spins until Foundation's exit notice, delivered on a Dispatch worker that the caller, a
    /// test, may be occupying. SIGKILL ends a process within milliseconds; 5 s bounds the wait.
    private static func waitUntilDead(_ pid: pid_t) {
        for _ in 0..<500 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let fields = stat.split(separator: ")").last?.split(separator: " "), let state = fields.first, state != "Z"
            else { return }
            usleep(10_000)
        }
    }

    deinit { stopAll() }
}
