import Appliance
import ArgumentParser
import Foundation
import Journal

/// `holdfast drill <scenario>`: a scripted failure against a running holdfastd, printing what
/// should happen beside what did. Power drills go through the real supervisor with made-up
/// readings (nothing is cut, no command runs); the backup drill damages a copy, never the original.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Run a failure scenario against the running holdfastd and check what happens.",
        discussion: "Scenarios: power-loss (mains lost and back), low-battery (the staged shutdown up to the point of no return), "
            + "corrupt-backup (a damaged backup is refused, a sound one restores), uplink-loss (offline after the grace period, "
            + "caught up after), central-failover (the endpoint in use fails: the next takes over, then back), disk-full (the "
            + "journal is held at its size: writes refused as a full disk, readiness fails, the alert is raised, then recovery).")

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case powerLoss = "power-loss", lowBattery = "low-battery", corruptBackup = "corrupt-backup"
        case uplinkLoss = "uplink-loss", centralFailover = "central-failover", diskFull = "disk-full"
    }

    @Argument(help: "power-loss, low-battery, corrupt-backup, uplink-loss, central-failover or disk-full.")
    var scenario: Scenario

    @Option(help: "The configuration holdfastd runs with (for its control socket and final delay).")
    var config = "/etc/holdfast/holdfast.yaml"

    func run() async throws {
        let settings: ApplianceConfiguration
        do { settings = try ApplianceConfiguration.load(path: config) } catch { throw ValidationError("\(error)") }
        let client = ControlClient(socketPath: settings.controlSocket)
        var checks = DrillChecks()
        print("drill \(scenario.rawValue) against appliance \(settings.applianceCode.rawValue)")
        do {
            switch scenario {
            case .powerLoss: try await powerLoss(client, &checks)
            case .lowBattery: try await lowBattery(client, settings: settings, &checks)
            case .corruptBackup: try await corruptBackup(client, &checks)
            case .uplinkLoss: try await uplinkLoss(client, settings: settings, &checks)
            case .centralFailover: try await centralFailover(client, settings: settings, &checks)
            case .diskFull: try await diskFull(client, &checks)
            }
        } catch {
            _ = try? await client.post("/drill/end")
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        print(checks.summary)
        if !checks.allPassed { throw ExitCode(1) }
    }

    private func powerLoss(_ client: ControlClient, _ checks: inout DrillChecks) async throws {
        _ = try await client.post("/drill/power-cut")
        _ = try await checks.expect("on battery within 2 s, still taking bets", within: .seconds(2), client) {
            $0.state == "on_battery" && $0.intakeOpen
        }
        _ = try await client.post("/drill/end")
        _ = try await checks.expect("mains again within 2 s, intake open", within: .seconds(2), client) {
            $0.state == "mains" && $0.intakeOpen && $0.drill == nil
        }
    }

    private func lowBattery(_ client: ControlClient, settings: ApplianceConfiguration, _ checks: inout DrillChecks) async throws {
        let before = try await client.status()
        _ = try await client.post("/drill/low-battery")
        _ = try await checks.expect("shutting down within 2 s, intake closed", within: .seconds(2), client) {
            $0.state == "shutting_down" && !$0.intakeOpen && $0.stagedShutdowns > before.stagedShutdowns
        }
        let finalDelay = Duration.milliseconds(settings.power.policy.finalDelayMillis) + .seconds(2)
        _ = try await checks.expect("point of no return after the final delay; no command run", within: finalDelay, client) {
            $0.state == "powering_off" && $0.shutdownCommandRuns == before.shutdownCommandRuns
        }
        _ = try await client.post("/drill/end")
        _ = try await checks.expect("back to mains within 2 s, intake open", within: .seconds(2), client) {
            $0.state == "mains" && $0.intakeOpen
        }
    }

    private func corruptBackup(_ client: ControlClient, _ checks: inout DrillChecks) async throws {
        let started = ContinuousClock.now
        let backup = try await client.post("/backup")
        guard let path = backup["path"] else { throw PowerCommandError("holdfastd gave no backup path") }
        checks.record("a backup is written and verified", observed: "\((path as NSString).lastPathComponent)", passed: true,
                      after: ContinuousClock.now - started)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("holdfast-drill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let damaged = scratch + "/damaged"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path, toPath: damaged)
        let damagedRecord = try flipByteInARecord(damaged + "/journal.sqlite")
        let refused: Bool
        do {
            _ = try JournalMaintenance.restore(from: damaged, into: scratch + "/from-damaged")
            refused = false
        } catch { refused = true }
        checks.record("a damaged copy (\(damagedRecord)) is refused", observed: refused ? "refused" : "RESTORED", passed: refused, after: nil)
        let restored = (try? JournalMaintenance.restore(from: path, into: scratch + "/from-sound")).map { "restored to seq \($0.chain.headSeq)" }
        checks.record("the sound backup restores", observed: restored ?? "FAILED", passed: restored != nil, after: nil)
    }

    /// Flips one byte inside a journaled event's text, where the chain must notice it.
    private func flipByteInARecord(_ path: String) throws -> String {
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array("\"category\":\"".utf8)
        guard let offset = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }) else {
            throw PowerCommandError("the backup holds no significant event to damage")
        }
        bytes[offset + needle.count] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return "one byte of a record"
    }
}

/// Expected against observed, one line each, within 80 columns.
struct DrillChecks {
    private var lines: [String] = []
    private(set) var passed = 0
    private(set) var total = 0

    var allPassed: Bool { passed == total }
    var summary: String { (lines + ["result: \(passed) of \(total) as expected"]).joined(separator: "\n") }

    mutating func record(_ expected: String, observed: String, passed ok: Bool, after: Duration?) {
        total += 1
        if ok { passed += 1 }
        let time = after.map { " after \(formatSeconds($0))" } ?? ""
        lines.append(TextWrap.wrap("\(ok ? "ok  " : "FAIL") expected: \(expected)", indent: 15))
        lines.append(TextWrap.wrap("     observed: \(observed)\(time)", indent: 15))
    }

    /// Asks `fetch` until `condition` holds or `bound` passes, and records the result with
    /// `describe`'s account of what was last seen.
    mutating func poll<Status>(_ expected: String, within bound: Duration, every interval: Duration,
                               _ fetch: () async throws -> Status, describe: (Status) -> String,
                               _ condition: (Status) -> Bool) async throws -> Status {
        let started = ContinuousClock.now
        var status = try await fetch()
        while !condition(status) && ContinuousClock.now - started < bound {
            try await Task.sleep(for: interval)
            status = try await fetch()
        }
        let ok = condition(status)
        record(expected, observed: describe(status), passed: ok, after: ok ? ContinuousClock.now - started : nil)
        return status
    }

    /// Polls the power status until `condition` holds or `bound` passes, and records the result.
    mutating func expect(_ expected: String, within bound: Duration, _ client: ControlClient,
                         _ condition: (PowerStatus) -> Bool) async throws -> PowerStatus {
        try await poll(expected, within: bound, every: .milliseconds(20), { try await client.status() }, describe: { status in
            "\(status.state), intake \(status.intakeOpen ? "open" : "closed")" + (status.drill.map { ", drill \($0)" } ?? "")
        }, condition)
    }

    private func formatSeconds(_ duration: Duration) -> String {
        let millis = Int64(duration / .milliseconds(1))
        return "\(millis / 1_000).\(String(format: "%02d", (millis % 1_000) / 10)) s"
    }
}
