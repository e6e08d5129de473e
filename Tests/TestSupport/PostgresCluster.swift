import Foundation

/// A private PostgreSQL 15 cluster on 127.0.0.1 from Debian's packages: initdb
/// into a temporary directory with trust authentication for one role, started and stopped with
/// pg_ctl. PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres`
/// user Debian's package creates.
public final class PostgresCluster {
    public let directory: TemporaryDirectory
    public let port: Int
    public let user = "holdfast"
    public let database = "holdfast"
    private let bin: String
    private var dataDirectory: String { directory.path + "/data" }

    public var url: String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    public init() throws {
        guard let bin = ["/usr/lib/postgresql/15/bin"].first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            throw ChildProcessError("PostgreSQL 15 is not installed: scripts/install-deps installs postgresql-15")
        }
        self.bin = bin
        directory = try TemporaryDirectory()
        port = try LoopbackPort.free()
        for folder in ["data", "socket"] {
            try FileManager.default.createDirectory(atPath: directory.path + "/" + folder, withIntermediateDirectories: true)
        }
        if getuid() == 0 {
            try Command.run("/bin/chown", ["-R", "postgres:postgres", directory.path])
        }
        try runAsOwner(bin + "/initdb", ["-D", dataDirectory, "-U", user, "-A", "trust", "-E", "UTF8", "--no-instructions"])
        try start()
        try runAsOwner(bin + "/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", user, database])
    }

    public func start() throws {
        try runAsOwner(bin + "/pg_ctl", [
            "start", "-w", "-t", "60", "-D", dataDirectory, "-l", directory.path + "/postgres.log",
            "-o", "-k \(directory.path)/socket -p \(port) -c listen_addresses=127.0.0.1 -c max_connections=50",
        ])
    }

    /// `fast` rolls back open transactions and closes connections; `immediate` is a crash, which
    /// PostgreSQL recovers from its WAL at the next start.
    public func stop(mode: String = "fast") throws {
        try runAsOwner(bin + "/pg_ctl", ["stop", "-w", "-D", dataDirectory, "-m", mode])
    }

    /// Runs SQL through psql and answers its unaligned output.
    public func psql(_ sql: String) throws -> String {
        try runAsOwner("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1",
                                         "-c", sql])
    }

    deinit { try? stop(mode: "immediate") }

    @discardableResult
    private func runAsOwner(_ executable: String, _ arguments: [String]) throws -> String {
        if getuid() == 0 { return try Command.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) }
        return try Command.run(executable, arguments)
    }
}
