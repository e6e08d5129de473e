import Appliance
import Uplink
import Foundation
import Journal
import TerminalProtocol
import Wagering

/// The technician's commands. Each prints text for an 80-column terminal, or JSON with `--json`.
struct ConsoleCommands {
    struct Result {
        var output: String
        var logout = false
        /// `--json` output: one line a script parses, so the session must not wrap it.
        var isJSON = false
        /// The command needs a `yes` before it happens.
        var confirm: Confirmation?
    }

    enum Confirmation: Equatable {
        case shutdown, reboot
    }

    struct Command {
        var name: String
        var usage: String
        var summary: String
    }

    static let commands: [Command] = [
        Command(name: "status", usage: "status [--json]", summary: "one screen: mode, power, journal, terminals, clock"),
        Command(name: "power", usage: "power [--json]", summary: "the UPS's readings and the power state"),
        Command(name: "journal", usage: "journal stats|verify|tail [N]|checkpoint [--json]",
                summary: "the bet journal: size, chain check, last records, WAL folded in"),
        Command(name: "ticket", usage: "ticket <ticket id> [--json]", summary: "one ticket: status, stake, legs"),
        Command(name: "markets", usage: "markets [--json]", summary: "the board: markets, prices, status"),
        Command(name: "config", usage: "config show", summary: "the configuration file, secrets masked"),
        Command(name: "terminals", usage: "terminals [disable|enable <id>] [--json]", summary: "terminals, last seen; lock one out"),
        Command(name: "limits", usage: "limits [--json]", summary: "betting limits in force"),
        Command(name: "uplink", usage: "uplink [--json]", summary: "the link to central"),
        Command(name: "sync", usage: "sync now", summary: "push to central now; wait up to 10 s for it to catch up"),
        Command(name: "log", usage: "log tail [N]", summary: "the daemon's last log lines"),
        Command(name: "self-test", usage: "self-test [--json]", summary: "disk, clock, journal, power source, binary"),
        Command(name: "clock", usage: "clock [confirm <UTC time>]", summary: "the clock and whether offline bets may trust it"),
        Command(name: "verdict", usage: "verdict <ticket id> confirm|void <reason>",
                summary: "enter central's verdict on an offline bet it never judged (after offline.manual_verdict_after_hours)"),
        Command(name: "backup", usage: "backup now", summary: "back the journal up to backup.directory, verified"),
        Command(name: "drill", usage: "drill power-cut|low-battery|uplink-loss|central-failover|disk-full|end",
                summary: "rehearse a failure; nothing is cut"),
        Command(name: "shutdown", usage: "shutdown", summary: "shut down safely (asks to confirm)"),
        Command(name: "reboot", usage: "reboot", summary: "reboot safely (asks to confirm)"),
        Command(name: "help", usage: "help [command]", summary: "this list, or one command's usage"),
        Command(name: "logout", usage: "logout", summary: "end the session (also Ctrl-D)"),
    ]

    let context: ConsoleContext
    /// Who is logged in, named in what their commands journal.
    var technician = "technician"

    func run(_ line: String) async -> Result {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let json = words.contains("--json")
        words.removeAll { $0 == "--json" }
        var result = await dispatch(words, json: json)
        result.isJSON = json
        return result
    }

    private func dispatch(_ words: [String], json: Bool) async -> Result {
        guard let name = words.first else { return Result(output: "") }
        let arguments = Array(words.dropFirst())
        if arguments.contains("--help") || arguments.contains("-h") { return Result(output: help(name)) }
        switch name {
        case "help": return Result(output: help(arguments.first))
        case "logout", "exit": return Result(output: "logged out", logout: true)
        case "status": return Result(output: await status(json: json))
        case "power": return Result(output: power(json: json))
        case "journal": return Result(output: await journal(arguments, json: json))
        case "ticket": return Result(output: await ticket(arguments, json: json))
        case "markets": return Result(output: markets(json: json))
        case "config": return Result(output: config(arguments))
        case "terminals": return Result(output: await terminals(arguments, json: json))
        case "limits": return Result(output: limits(json: json))
        case "uplink": return Result(output: uplink(json: json))
        case "sync": return Result(output: await syncNow(arguments))
        case "clock": return Result(output: await clock(arguments))
        case "verdict": return Result(output: await verdict(arguments))
        case "log": return Result(output: logTail(arguments))
        case "self-test": return Result(output: await selfTest(json: json))
        case "drill": return Result(output: await drill(arguments))
        case "backup": return Result(output: await backup(arguments))
        case "shutdown", "reboot":
            let reboot = name == "reboot"
            return Result(output: "this closes intake, finishes in-flight bets, makes the journal safe and then "
                          + "\(reboot ? "reboots" : "shuts down") the appliance.\ntype yes to go on: ", confirm: reboot ? .reboot : .shutdown)
        default: return Result(output: "unknown command '\(String(name.prefix(40)))': `help` lists the commands")
        }
    }

    private func help(_ topic: String?) -> String {
        if let topic {
            guard let command = Self.commands.first(where: { $0.name == topic }) else { return "no command '\(String(topic.prefix(40)))'" }
            return "usage: \(command.usage)\n  \(command.summary)"
        }
        return Self.commands.map { $0.name.padding(toLength: 11, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n")
            + "\n`help <command>` or `<command> --help` shows its usage; most take --json"
    }

    private func status(json: Bool) async -> String {
        let service = context.service
        let state = await service.state()
        let power = context.power.status
        let now = context.clock.wallMillis()
        let configuration = service.configuration
        if json {
            return encode(StatusDocument(appliance: configuration.applianceCode.rawValue, version: HoldfastVersion.current,
                                         alerts: alerts(state: state, power: power), state: state, power: power,
                                         terminals: configuration.terminals.count, clockMillis: now,
                                         uptimeSeconds: (now - context.startedMillis) / 1_000))
        }
        var lines = [
            field("appliance", "\(configuration.applianceCode.rawValue)   currency \(configuration.currency.code)"),
            field("mode", state.mode + (state.intakeOpen ? "   intake open" : "   intake CLOSED: \(state.intakeClosedReason ?? "?")")),
            field("power", "\(power.state) (\(power.source))" + (power.sourceStale.map { "   STALE: \($0)" } ?? "")),
            field("uplink", uplinkSummary()),
            field("journal", "head seq \(state.journalHeadSeq)   open tickets \(state.openTickets)"),
            field("board", "version \(state.boardVersion)   \(service.board.board.markets.count) markets"),
            field("terminals", "\(configuration.terminals.count) configured"),
            field("clock", PowerStatusText.clockTime(now) + " UTC   up \((now - context.startedMillis) / 1_000) s   " + clockDrift()),
            field("version", "holdfast \(HoldfastVersion.current)"),
        ]
        let alerts = alerts(state: state, power: power)
        lines.append(alerts.isEmpty ? field("alerts", "none") : alerts.enumerated().map { field($0.offset == 0 ? "alerts" : "", $0.element) }
            .joined(separator: "\n"))
        if let free = service.dataDiskFreeMiB() {
            lines.append(field("disk free", "\(free) MiB in \(configuration.dataDirectory)"))
        }
        return lines.joined(separator: "\n")
    }

    private func clockDrift() -> String {
        guard let uplink = context.service.uplink else { return "(no central to compare)" }
        guard let drift = uplink.connectivity.clockDriftMillis else { return "(central not reached yet)" }
        return "drift from central " + Self.seconds(drift)
    }

    private func uplinkSummary() -> String {
        guard let link = context.service.uplink?.connectivity else { return "no central configured: offline mode" }
        let backlog = link.backlog.map { "   backlog \($0)" } ?? ""
        return "\(link.state.rawValue) since \(PowerStatusText.clockTime(link.sinceMillis))\(backlog)"
    }

    /// What needs a technician's eye right now.
    private func alerts(state: ApplianceStateView, power: PowerStatus) -> [String] {
        var alerts: [String] = []
        if let stale = power.sourceStale { alerts.append("power source stale (\(stale))") }
        if power.state == "on_battery" { alerts.append("on battery") }
        if !state.intakeOpen { alerts.append("intake closed") }
        if context.service.clockTrust.distrust(wallMillis: context.clock.wallMillis(), monotonicNanos: context.clock.monotonicNanos()) != nil {
            alerts.append("clock unsure: offline bets refused (`clock`)")
        }
        if let link = context.service.uplink?.connectivity, [.offline, .refused].contains(link.state) {
            alerts.append(link.state == .refused ? "central refuses this appliance's records" : "uplink offline")
        }
        if let failure = context.service.journal.writeFailure { alerts.append(failure.description) }
        if let drill = power.drill { alerts.append("\(drill) drill running") }
        if context.diskFull.isRunning { alerts.append("disk-full drill running") }
        let access = context.service.terminalAccess
        let disabled = context.service.configuration.terminals.filter { access.isDisabled($0.id) }.count
        if disabled > 0 { alerts.append("\(disabled) terminal(s) disabled") }
        return alerts
    }

    private func power(json: Bool) -> String {
        let status = context.power.status
        return json ? encode(status) : PowerStatusText.screen(status, nowMillis: context.clock.wallMillis())
    }

    private func journal(_ arguments: [String], json: Bool) async -> String {
        let journal = context.service.journal
        switch arguments.first {
        case "stats":
            guard let head = try? await journal.headSeq() else { return "the journal cannot be read" }
            let state = await context.service.state()
            let path = journal.configuration.databasePath
            let bytes = Self.fileBytes(path) ?? -1
            let wal = Self.fileBytes(path + "-wal") ?? 0
            if json { return encode(["headSeq": head, "openTickets": Int64(state.openTickets), "databaseBytes": bytes, "walBytes": wal]) }
            return [field("head seq", "\(head)"), field("open tickets", "\(state.openTickets)"),
                    field("database", "\(bytes / 1_024) KiB   WAL \(wal / 1_024) KiB"), field("path", path)].joined(separator: "\n")
        case "verify":
            let directory = journal.configuration.directory
            let outcome = await Task.detached { try? JournalMaintenance.verify(directory: directory, full: false) }.value
            switch outcome {
            case .success(let verified)?:
                if json { return encode(["ok": 1, "recordsChecked": verified.chain.recordsChecked, "headSeq": verified.chain.headSeq]) }
                return "journal OK: \(verified.chain.recordsChecked) records, chain intact to seq \(verified.chain.headSeq)"
            case .failure(let failure)?:
                return json ? encode(["ok": 0]) : "JOURNAL DAMAGED: \(failure)\nsee docs/journal.md (holdfast journal verify --full)"
            case nil:
                return "the journal cannot be opened for verification"
            }
        case "tail":
            let count = arguments.dropFirst().first.flatMap(Int.init).map { max(1, min($0, 50)) } ?? 10
            guard let head = try? await journal.headSeq(),
                  let records = try? await journal.records(after: max(0, head - Int64(count)), limit: count)
            else { return "the journal cannot be read" }
            if json { return encode(records.map { TailRecord(seq: $0.seq, wallMillis: $0.wallMillis, kind: $0.kind, payload: String(decoding: $0.payload, as: UTF8.self)) }) }
            return records.map { record in
                // A significant event reads best as its category and message; other kinds as JSON.
                let summary: String
                if record.kind == "appliance.event",
                   let event = try? JSONDecoder().decode(SignificantEvent.self, from: Data(record.payload)) {
                    summary = "\(event.category) \(event.message)"
                } else {
                    summary = "\(record.kind) \(String(decoding: record.payload, as: UTF8.self))"
                }
                return String(("\(String(record.seq).padding(toLength: 7, withPad: " ", startingAt: 0)) "
                               + "\(PowerStatusText.clockTime(record.wallMillis)) \(summary)").prefix(80))
            }.joined(separator: "\n")
        case "checkpoint":
            // What the staged shutdown does last: before an SD card is imaged, say, the journal
            // file alone then holds every record.
            let walBytes = Self.fileBytes(journal.configuration.directory + "/journal.sqlite-wal") ?? 0
            let started = ContinuousClock.now
            do {
                try await journal.checkpointWAL()
            } catch {
                return "CHECKPOINT FAILED: \(error)\nnothing is lost: SQLite folds the WAL in at the next open"
            }
            let took = Int64((ContinuousClock.now - started) / .milliseconds(1))
            return "checkpoint done: \(walBytes / 1_024) KiB of WAL folded into the journal in \(took) ms"
        default:
            return "usage: journal stats|verify|tail [N]|checkpoint [--json]"
        }
    }

    /// A file's size, or nil when it is not there (a WAL after a truncating checkpoint, say).
    private static func fileBytes(_ path: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
    }

    private func ticket(_ arguments: [String], json: Bool) async -> String {
        guard let text = arguments.first else { return "usage: ticket <ticket id>" }
        guard let id = try? TicketID(parsing: text) else { return "'\(String(text.prefix(40)))' is not a ticket id (check the characters and the check letter)" }
        let found: TicketRecord?
        do { found = try await context.service.journal.ticket(id) } catch { return "the journal cannot be read: \(error)" }
        guard let record = found else { return "no ticket \(id) on this appliance" }
        let bet = record.bet
        if json {
            return encode(["ticketId": id.description, "status": record.status.rawValue, "totalStakeMinor": String(bet.totalStake.minorUnits),
                           "placedSeq": String(record.placedSeq), "legs": String(bet.legs.count)])
        }
        return [field("ticket", "\(id)   \(record.status.rawValue)"),
                field("stake", "\(bet.totalStake)   placed at seq \(record.placedSeq)"),
                field("legs", "\(bet.legs.count)")].joined(separator: "\n")
    }

    private func markets(json: Bool) -> String {
        let markets = context.service.board.board.markets.values.sorted { $0.event.startsAtMillis < $1.event.startsAtMillis || ($0.event.startsAtMillis == $1.event.startsAtMillis && $0.id.rawValue < $1.id.rawValue) }
        if json { return encode(markets) }
        if markets.isEmpty { return "no markets on the board" }
        return markets.map { market in
            let head = "\(market.event.name) / \(market.name)   \(market.status.rawValue)\(market.inPlay ? " in-play" : "")"
            let prices = market.selections.map { "  \($0.name.prefix(30).padding(toLength: 30, withPad: " ", startingAt: 0)) "
                + "\($0.odds.fractionalString.padding(toLength: 8, withPad: " ", startingAt: 0)) v\($0.priceVersion) \($0.status.rawValue)" }
            return ([String(head.prefix(80))] + prices).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    private func config(_ arguments: [String]) -> String {
        guard arguments.first == "show" else { return "usage: config show" }
        guard let text = try? String(contentsOfFile: context.configurationPath, encoding: .utf8) else {
            return "\(context.configurationPath) cannot be read"
        }
        return "# \(context.configurationPath)\n" + ConfigMasking.mask(text)
    }

    /// `name` then `value` in a column; a value too long for the line goes on under itself.
    func field(_ name: String, _ value: String, width: Int = 13) -> String {
        let column = max(width, name.count + 1)
        return TextWrap.wrap(name.padding(toLength: column, withPad: " ", startingAt: 0) + value, indent: column)
    }

    func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

private struct StatusDocument: Encodable {
    var appliance: String
    var version: String
    var alerts: [String]
    var state: ApplianceStateView
    var power: PowerStatus
    var terminals: Int
    var clockMillis: Int64
    var uptimeSeconds: Int64
}

private struct TailRecord: Encodable {
    var seq: Int64
    var wallMillis: Int64
    var kind: String
    var payload: String
}
