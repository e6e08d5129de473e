import Foundation

/// The reference central for real: a private PostgreSQL 15 cluster, a private CA with central's
/// server certificate and appliance client certificates, and `holdfast-central serve` as a child
/// process on a fixed loopback port (so it can be killed and restarted behind a proxy); a second
/// instance on the same database, for failover, on `secondPort`.
public final class CentralFixture {
    /// The test daemons' appliance (DaemonFixture's KIL1, canonical).
    public static let testApplianceCode = "K111"
    public let applianceCode: String
    public let postgres: PostgresCluster
    public let pki: TemporaryDirectory
    public let port: Int
    public let secondPort: Int
    private var children: [Int: LineReadingChild] = [:]

    /// `serverNames`: what central's certificate names (an appliance in a qemu VM reaches the
    /// host's loopback at 10.0.2.2).
    public init(applianceCode: String = CentralFixture.testApplianceCode, serverNames: [String] = ["localhost", "127.0.0.1"]) throws {
        self.applianceCode = applianceCode
        postgres = try PostgresCluster()
        pki = try TemporaryDirectory()
        port = try LoopbackPort.free()
        secondPort = try LoopbackPort.free()
        try Self.pkiScript(["ca", pki.path])
        try Self.pkiScript(["server", pki.path] + serverNames)
        try Self.pkiScript(["appliance", pki.path, applianceCode])
        try central(["enroll", "--appliance", applianceCode, "--venue", "test-venue", "--certificate", certificate(applianceCode)])
    }

    public func certificate(_ code: String) -> String { "\(pki.path)/\(code).pem" }
    public func key(_ code: String) -> String { "\(pki.path)/\(code).key" }
    public var caFile: String { pki.path + "/ca.pem" }

    /// Issues another appliance's certificate from the same CA (not enrolled).
    public func issueAppliance(_ code: String) throws {
        try Self.pkiScript(["appliance", pki.path, code])
    }

    /// The appliances' freshness bound in these tests: a bet is online only while central has
    /// answered within it.
    public static let freshnessSeconds = 3

    /// The holdfast.yaml `uplink:` section for an appliance reaching central at `port`.
    ///
    /// Short times, so that a dead or blackholed central is noticed in seconds. A 1 s request
    /// timeout is tight on a loaded machine, and a slower answer makes the uplink offline (a
    /// record journaled; bets meanwhile carry the offline terms), fail over to the next endpoint,
    /// and retry: the tests wait for states and counts rather than catch them at a moment. It
    /// also bounds a drift sample's error to half of it, which SyncConsoleTests' "within a
    /// second" relies on. Freshness 3 s: the feed and idle checks ask every second.
    /// `freshnessSeconds` nil leaves the appliance's default bound.
    public func uplinkSection(host: String = "127.0.0.1", port: Int? = nil, ports: [Int]? = nil, requestTimeoutMillis: Int = 1_000,
                              freshnessSeconds: Int? = CentralFixture.freshnessSeconds, extra: String = "") -> String {
        let endpoints = (ports ?? [port ?? self.port]).map { #"{ url: "https://\#(host):\#($0)" }"# }.joined(separator: ", ")
        return """
        uplink:
          endpoints: [\(endpoints)]
          certificate: \(certificate(applianceCode))
          key: \(key(applianceCode))
          central_ca: \(caFile)
          request_timeout_ms: \(requestTimeoutMillis)
          retry_initial_ms: 50
          retry_max_seconds: 1
          \(freshnessSeconds.map { "freshness_seconds: \($0)" } ?? "")
          idle_check_seconds: 1
        \(extra)
        """
    }

    /// Starts the instance on `port` (the first by default; `secondPort` for the second).
    public func start(port instancePort: Int? = nil) async throws {
        let port = instancePort ?? self.port
        let process = try LineReadingChild(executable: try BuiltProducts.path(of: "holdfast-central"), arguments: [
            "serve", "--database", postgres.url, "--listen", "127.0.0.1:\(port)", "--certificate", pki.path + "/central.pem",
            "--key", pki.path + "/central.key", "--appliance-ca", caFile, "--log-level", "error",
        ])
        children[port] = process
        while let line = await process.nextLine() {
            if line.hasPrefix("holdfast-central listening on https://") { return }
        }
        throw ChildProcessError("holdfast-central did not report where it listens")
    }

    /// SIGKILL: whatever central had not committed is gone; what it committed is in PostgreSQL.
    public func kill(port instancePort: Int? = nil) async {
        await children.removeValue(forKey: instancePort ?? port)?.kill()
    }

    /// SIGSTOP (hung: connections are accepted by the kernel and never answered) or SIGCONT, to
    /// every instance.
    public func freeze(_ frozen: Bool) {
        for instance in children.values { instance.child.signal(frozen ? SIGSTOP : SIGCONT) }
    }

    /// SIGKILL to every instance without waiting for them, for a `defer` (which cannot await).
    public func killAll() {
        for instance in children.values { instance.child.signal(SIGKILL) }
        children = [:]
    }

    deinit { killAll() }

    // MARK: What PostgreSQL holds

    public func highWater() throws -> Int64 {
        Int64(try postgres.psql("SELECT head_seq FROM appliances WHERE code = '\(applianceCode)'")) ?? -1
    }

    /// Rows, distinct seqs, and the largest seq central stored for the appliance (up to `upTo`).
    public func recordCounts(upTo: Int64 = .max) throws -> (rows: Int64, distinct: Int64, max: Int64) {
        let fields = try postgres.psql("""
            SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0) FROM journal_records
            WHERE appliance = '\(applianceCode)' AND seq <= \(upTo)
            """).split(separator: "|").compactMap { Int64($0) }
        return (fields[0], fields[1], fields[2])
    }

    /// The hash central holds for the appliance's record `seq`, hex; nil when it holds none.
    public func hash(at seq: Int64) throws -> String? {
        let hex = try postgres.psql("SELECT encode(hash, 'hex') FROM journal_records WHERE appliance = '\(applianceCode)' AND seq = \(seq)")
        return hex.isEmpty ? nil : hex
    }

    /// Ticket ids of every bet central holds.
    public func ticketIDs() throws -> Set<String> {
        Set(try postgres.psql("""
            SELECT convert_from(payload, 'UTF8')::jsonb->>'ticketID' FROM journal_records
            WHERE appliance = '\(applianceCode)' AND kind = 'bet.placed'
            """).split(separator: "\n").map(String.init))
    }

    public func openAlerts() throws -> [String] {
        try postgres.psql("SELECT type || ' ' || coalesce(seq::text, '-') FROM alerts WHERE resolved_at IS NULL ORDER BY id")
            .split(separator: "\n").map(String.init)
    }

    /// Central's alerts as "type detail" lines in the order raised, once one of `type` is among
    /// them or `timeout` has passed (then whatever is there, for the failure message). An alert
    /// comes with the records, which may take a push or two after what raised it.
    public func alerts(waitingFor type: String, timeout: Duration = .seconds(60)) async throws -> String {
        let started = ContinuousClock.now
        while true {
            let alerts = try postgres.psql("SELECT type || ' ' || detail FROM alerts ORDER BY id")
            if alerts.contains(type) || ContinuousClock.now - started >= timeout { return alerts }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// `holdfast-central verify`: walks the whole chain in PostgreSQL.
    @discardableResult
    public func verify() throws -> String {
        try central(["verify", "--appliance", applianceCode])
    }

    /// `holdfast-central publish <what> --venue test-venue ...`, as an operator would.
    @discardableResult
    public func publish(_ what: String, _ arguments: [String]) throws -> String {
        try central(["publish", what, "--venue", "test-venue"] + arguments)
    }

    @discardableResult
    private func central(_ arguments: [String]) throws -> String {
        try Command.run(try BuiltProducts.path(of: "holdfast-central"), arguments + ["--database", postgres.url])
    }

    private static func pkiScript(_ arguments: [String]) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try Command.run(root.appendingPathComponent("scripts/central-pki").path, arguments)
    }
}
