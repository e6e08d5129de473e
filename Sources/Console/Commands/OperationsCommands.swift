import Appliance
import Uplink
import Foundation
import Journal
import Wagering

/// The commands that look after the appliance: terminals, limits, uplink, logs, self-test, drills.
extension ConsoleCommands {
    func terminals(_ arguments: [String], json: Bool) async -> String {
        let access = context.service.terminalAccess
        let configured = context.service.configuration.terminals
        if let action = arguments.first, action == "disable" || action == "enable" {
            guard let id = arguments.dropFirst().first, let terminal = configured.first(where: { $0.id.rawValue == id }) else {
                return "usage: terminals \(action) <id>   (one of: \(configured.map(\.id.rawValue).joined(separator: ", ")))"
            }
            do { try access.set(terminal.id, disabled: action == "disable") } catch {
                return "could not save the terminal list: \(error)"
            }
            await context.record("console.terminal_\(action)d", "terminal \(id) \(action)d")
            return action == "disable" ? "terminal \(id) disabled: its requests are refused until `terminals enable \(id)`"
                : "terminal \(id) enabled"
        }
        let now = context.clock.wallMillis()
        if json {
            return encode(configured.map { TerminalDocument(id: $0.id.rawValue, role: $0.role.rawValue, disabled: access.isDisabled($0.id),
                                                            lastSeenMillis: access.lastSeenMillis($0.id)) })
        }
        if configured.isEmpty { return "no terminals configured" }
        return configured.map { terminal in
            let seen = access.lastSeenMillis(terminal.id).map { "seen \((now - $0) / 1_000) s ago" } ?? "not seen since start"
            return String("\(terminal.id.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \(terminal.role.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) "
                          + "\(access.isDisabled(terminal.id) ? "DISABLED" : "enabled ") \(seen)".prefix(80))
        }.joined(separator: "\n")
    }

    func limits(json: Bool) -> String {
        let configuration = context.service.configuration
        let limits = context.service.limitsInForce
        var rows: [(String, Int64)] = [
            ("min stake per line", limits.minStakePerLine), ("max stake per bet", limits.maxStakePerBet),
            ("max payout per bet", limits.maxPayoutPerBet), ("max liability/selection", limits.maxLiabilityPerSelection),
            ("max liability/market", limits.maxLiabilityPerMarket), ("terminal max stake", limits.terminalDefaults.maxStakePerBet),
            ("terminal max open stake", limits.terminalDefaults.maxOpenStake),
        ]
        var counts: [(String, Int64)] = []
        if configuration.uplink != nil {
            let terms = configuration.offline.terms
            let used = context.service.journal.offline.totals
            rows += [("offline max stake", terms.maxStakePerBet), ("offline max liability", terms.maxLiability),
                     ("offline liability used", used.liability)]
            counts = [("offline max queued bets", Int64(terms.maxBets)), ("offline bets queued", Int64(used.bets)),
                      ("offline max seconds", Int64(configuration.offline.maxOfflineSeconds))]
        }
        if json { return encode(Dictionary(uniqueKeysWithValues: (rows + counts).map { ($0.0, $0.1) })) }
        return (rows.map { field($0.0, Money(minorUnits: $0.1, currency: configuration.currency).description, width: 25) }
                + counts.map { field($0.0, String($0.1), width: 25) }).joined(separator: "\n")
    }

    func uplink(json: Bool) -> String {
        guard let settings = context.service.configuration.uplink, let link = context.service.uplink?.connectivity else {
            return json ? encode(UplinkDocument(state: "not_configured", sinceMillis: nil, endpoint: nil, endpoints: [], lastSuccessMillis: nil,
                                                lastError: nil, centralHighWater: nil, localHead: nil, backlog: nil, clockDriftMillis: nil,
                                                freshnessMillis: nil, recordsSilentMillis: nil, feedSilentMillis: nil))
                : "no central endpoints are configured: the appliance runs offline and keeps every bet in its journal"
        }
        let endpoints = settings.endpoints.map(\.absoluteString)
        if json {
            return encode(UplinkDocument(state: link.state.rawValue, sinceMillis: link.sinceMillis, endpoint: link.endpoint, endpoints: endpoints,
                                         lastSuccessMillis: link.lastSuccessMillis, lastError: link.lastError,
                                         centralHighWater: link.centralHighWater, localHead: link.localHead, backlog: link.backlog,
                                         clockDriftMillis: link.clockDriftMillis, freshnessMillis: Int64(settings.freshness / .milliseconds(1)),
                                         recordsSilentMillis: link.recordsSilentMillis, feedSilentMillis: link.feedSilentMillis))
        }
        var lines = [field("state", "\(link.state.rawValue) since \(PowerStatusText.clockTime(link.sinceMillis)) UTC")]
        for (index, endpoint) in endpoints.enumerated() {
            lines.append(field(index == 0 ? "endpoints" : "", "\(index + 1). \(endpoint)\(endpoint == link.endpoint ? "   (in use)" : "")"))
        }
        lines.append(field("last answer", link.lastSuccessMillis.map { PowerStatusText.clockTime($0) + " UTC" } ?? "none since start"))
        // What decides online: each channel's last current answer, against the bound.
        let silent = "records \(Self.age(link.recordsSilentMillis))" + (link.feedSilentMillis.map { ", feed \(Self.age($0))" } ?? "")
        lines.append(field("fresh", "\(silent) ago (online within \(settings.freshness.components.seconds) s)"))
        lines.append(field("central has", link.centralHighWater.map { "records up to seq \($0)" } ?? "not known yet"))
        lines.append(field("backlog", link.backlog.map { "\($0) records not yet at central" } ?? "not known yet"))
        lines.append(field("clock drift", link.clockDriftMillis.map { "\(Self.seconds($0)) against central" } ?? "not known yet"))
        // Not field(), which cuts at 80 columns: the session wraps long lines, and an error is worth reading whole.
        if let error = link.lastError { lines.append("last error".padding(toLength: 13, withPad: " ", startingAt: 0) + error) }
        return lines.joined(separator: "\n")
    }

    /// Unsigned seconds with a tenth: "0.8 s", "3600.0 s".
    static func age(_ millis: Int64) -> String {
        "\(millis / 1_000).\(millis % 1_000 / 100) s"
    }

    /// Signed seconds with milliseconds: "+0.012 s", "-3.400 s".
    static func seconds(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : "+"
        let magnitude = millis.magnitude
        return "\(sign)\(magnitude / 1_000).\(String(magnitude % 1_000).leftPadded(to: 3)) s"
    }

    func syncNow(_ arguments: [String]) async -> String {
        guard arguments == ["now"] else { return "usage: sync now" }
        guard let uplink = context.service.uplink else { return "no central endpoints are configured: nothing to sync with" }
        let head = (try? await context.service.journal.headSeq()) ?? 0
        uplink.syncNow()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let held = uplink.connectivity.centralHighWater, held >= head {
                return "central holds every record up to seq \(head)"
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let link = uplink.connectivity
        return """
            central has not caught up within 10 s: it holds up to seq \(link.centralHighWater.map(String.init) ?? "unknown") of \(head); \
            the uplink is \(link.state.rawValue)\(link.lastError.map { " (" + $0 + ")" } ?? ""); `uplink` shows more
            """
    }

    func logTail(_ arguments: [String]) -> String {
        guard arguments.first == "tail" else { return "usage: log tail [N]" }
        guard let ring = context.logRing else { return "this daemon keeps no log in memory" }
        let count = arguments.dropFirst().first.flatMap(Int.init).map { max(1, min($0, 200)) } ?? 20
        let lines = ring.tail(count)
        return lines.isEmpty ? "no log lines yet" : lines.map { String($0.prefix(80)) }.joined(separator: "\n")
    }

    func selfTest(json: Bool) async -> String {
        var checks: [(name: String, ok: Bool, detail: String)] = []
        let configuration = context.service.configuration
        if let free = context.service.dataDiskFreeMiB() {
            // The same bound the health monitor raises disk.low at.
            checks.append(("disk", free >= Int64(configuration.alerts.diskFreeMinimumMiB), "\(free) MiB free in \(configuration.dataDirectory)"))
        } else {
            checks.append(("disk", false, "cannot read free space of \(configuration.dataDirectory)"))
        }
        let now = context.clock.wallMillis()
        // Built in 2026: a wall clock before that is an RTC that lost its time.
        checks.append(("clock", now > 1_767_225_600_000, PowerStatusText.clockTime(now) + " UTC" + (now > 1_767_225_600_000 ? "" : ": the clock is unset")))
        let directory = context.service.journal.configuration.directory
        switch await Task.detached(operation: { try? JournalMaintenance.verify(directory: directory, full: false) }).value {
        case .success(let verified)?: checks.append(("journal", true, "chain intact to seq \(verified.chain.headSeq)"))
        case .failure(let failure)?: checks.append(("journal", false, "\(failure)"))
        case nil: checks.append(("journal", false, "cannot be opened for verification"))
        }
        let power = context.power.status
        checks.append(("power source", power.sourceStale == nil && power.lastEventMillis != nil,
                       power.sourceStale.map { "\(power.source): \($0)" } ?? "\(power.source) answers (\(power.state))"))
        if let manifest = configuration.manifest {
            let findings = await Task.detached { manifest.check(runningBinary: IntegrityManifest.runningBinary) }.value
            checks.append(("software", findings.isEmpty, findings.isEmpty ? "\(manifest.entries.count) files match \(manifest.path)"
                           : findings.map(\.description).joined(separator: "; ")))
        } else {
            checks.append(("software", false, "no appliance.manifest configured: the binary is not checked"))
        }
        if json { return encode(checks.map { CheckDocument(name: $0.name, ok: $0.ok, detail: $0.detail) }) }
        return checks.map { field(($0.ok ? "ok   " : "FAIL ") + $0.name, $0.detail, width: 19) }.joined(separator: "\n")
    }

    func backup(_ arguments: [String]) async -> String {
        guard arguments.first == "now" else { return "usage: backup now" }
        switch await context.backups.backupNow(by: "console") {
        case .success(let report):
            return "backup verified: \(report.path)\nup to seq \(report.headSeq), \(report.bytes / 1_024) KiB"
                + (report.removed.isEmpty ? "" : "; removed \(report.removed.count) older backup(s)")
        case .failure(let error):
            return "BACKUP FAILED: \(error)"
        }
    }

    func drill(_ arguments: [String]) async -> String {
        let usage = "usage: drill power-cut|low-battery|uplink-loss|central-failover|disk-full|end"
        switch arguments.first {
        case "end":
            let uplink = context.service.uplink
            guard context.power.status.drill != nil || uplink?.currentDrill != nil || context.diskFull.isRunning else { return "no drill is running" }
            context.power.endDrill(by: "console")
            uplink?.endDrill(by: "console")
            await context.diskFull.end(by: "console")
            return "drill ended: back to real readings, a real link and a journal that may grow (`power`, `uplink`, `status`)"
        case "disk-full":
            switch await context.diskFull.start(by: "console") {
            case .success(let filled):
                return "disk-full drill started: the journal is held at its size; \(filled.recordsFitted) drill records fitted, "
                    + "then SQLite refused: \(filled.refusal)\nEvery bet is refused and readiness fails until `drill end`."
            case .failure(let failure):
                return "disk-full drill not started: \(failure)"
            }
        case let name? where UplinkDrill(rawValue: name) != nil:
            guard let uplink = context.service.uplink, let drill = UplinkDrill(rawValue: name) else {
                return "no central endpoints are configured: nothing to drill"
            }
            guard uplink.startDrill(drill, by: "console") else { return "an uplink drill is already running: `drill end` first" }
            return "\(name) drill started: the uplink acts as if the network failed (offline limits, failover and catch-up run "
                + "for real) but nothing is cut. Watch with `uplink`; restore with `drill end`."
        case let name?:
            guard let drill = PowerController.Drill(rawValue: name) else { return usage }
            guard context.power.status.drill == nil else { return "a drill is already running: `drill end` first" }
            context.power.startDrill(drill, by: "console")
            return "\(name) drill started: the supervisor sees made-up readings and acts for real (intake, journal), "
                + "but nothing is cut and no shutdown command runs. Watch with `power`; restore with `drill end`."
        case nil:
            return usage
        }
    }
}

private struct TerminalDocument: Encodable {
    var id: String
    var role: String
    var disabled: Bool
    var lastSeenMillis: Int64?
}

private struct CheckDocument: Encodable {
    var name: String
    var ok: Bool
    var detail: String
}

struct UplinkDocument: Encodable {
    var state: String
    var sinceMillis: Int64?
    var endpoint: String?
    var endpoints: [String]
    var lastSuccessMillis: Int64?
    var lastError: String?
    var centralHighWater: Int64?
    var localHead: Int64?
    var backlog: Int64?
    var clockDriftMillis: Int64?
    /// The bound, and how long each channel has been without a current answer (monotonic).
    var freshnessMillis: Int64?
    var recordsSilentMillis: Int64?
    var feedSilentMillis: Int64?
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
