import Foundation
import TerminalClient
import TerminalProtocol
import TestSupport

/// What is going on inside the appliance when the power goes.
enum CutKind: String, CaseIterable {
    /// Bets only: group commits, WAL writes and checkpoints, wherever the moment falls.
    case load
    /// The UPS reported low battery 0.5 to 4.5 s before: intake closing, in-flight bets
    /// finishing, the WAL checkpoint, the final delay.
    case staged
    /// The link holds every chunk for a while: a push on its way to central, or the answer to one
    /// central committed on its way back.
    case sync
    /// A technician's `backup now` on the serial console, part way through.
    case backup
    /// A technician's `journal checkpoint` (the WAL folded into the journal file, as the staged
    /// shutdown does last), part way through.
    case checkpoint
}

/// One gauntlet run: boot, load, cut, as many times as asked, checking after every boot.
struct PowerCutRun {
    let options: Options

    /// The parts on the host: the UPS, central, the VM, the terminals' view.
    private struct Rig {
        let ups: NUTServer
        let central: CentralLink
        let vm: ApplianceVM
        let client: TerminalClient
        let ledger = BetLedger()
    }

    func run() async throws -> Bool {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let work = try options.work ?? TemporaryDirectory().path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var random = SplitMix64(seed: options.seed)
        let secret = TerminalSecret.generate(using: &random)
        let ups = try NUTServer()
        defer { ups.stopAll() }
        // upsd looks for the driver's socket when it starts: waited for, not slept on (the driver
        // takes about a second, longer on a busy host); 60 s is a hang guard.
        try await ups.startDriver(readyWithin: .seconds(60))
        try ups.startUpsd()
        let central = try await CentralLink()
        defer { central.stop() }
        let vm = try ApplianceVM(workDirectory: work, repository: repository, daemon: try BuiltProducts.path(of: "holdfastd"),
                                 terminalSecretHex: secret.hex, nutPort: ups.port, uplink: central.uplinkSection, extraFiles: central.files)
        // A run that throws (a check failed, a bound ran out) must not leave qemu running for the
        // rest of its hour-long limit, taking a core from every stage after it.
        defer { vm.cutPower() }
        let rig = Rig(ups: ups, central: central, vm: vm,
                      client: TerminalClient(baseURL: "http://127.0.0.1:\(vm.port)", terminalID: "cut-kiosk", secret: secret, timeout: .seconds(20)))
        say("power-cut gauntlet: seed \(options.seed), \(options.cuts) cuts (\(options.kinds.map(\.rawValue).joined(separator: ", ")) in turn), "
              + "\(options.terminals) terminals, work in \(work)")

        var lost: Set<String> = []
        var committedBeforeCut = 0
        var cutsByKind: [CutKind: Int] = [:]
        for cut in 1...options.cuts {
            let kind = options.kinds[(cut - 1) % options.kinds.count]
            let booted = ContinuousClock.now
            try await vm.boot(within: .seconds(300)) { await Self.isUp(rig.client) }
            let audit = try await Self.audit(rig.client, rig.ledger)
            lost.formUnion(audit.missing)
            committedBeforeCut += audit.committed
            let checks = ContinuousClock.now - booted
            let board = try await rig.client.board()
            let load = BetLoad(client: rig.client, ledger: rig.ledger, terminals: options.terminals)
            let boot = vm.boots
            let loading = Task { await load.run(boot: boot, board: board) }
            let before = rig.ledger.acknowledged.count
            let loadStarted = ContinuousClock.now
            let what = try await cutPower(during: kind, rig, &random)
            let loaded = ContinuousClock.now - loadStarted
            cutsByKind[kind, default: 0] += 1
            loading.cancel()
            await loading.value
            say("cut \(cut)/\(options.cuts) (\(kind.rawValue)): boot and checks \(Self.seconds(checks)) s, checked \(audit.checked) "
                  + "acknowledged and \(audit.retried) in doubt (\(audit.committed) had been committed), then \(Self.seconds(loaded)) s of load: "
                  + "\(rig.ledger.acknowledged.count - before) acknowledged, \(rig.ledger.inDoubt.count) in doubt at the cut" + what)
        }
        try await vm.boot(within: .seconds(300)) { await Self.isUp(rig.client) }
        let last = try await Self.audit(rig.client, rig.ledger)
        lost.formUnion(last.missing)
        committedBeforeCut += last.committed
        // The appliance pushes what it has left; then the power goes once more, quietly.
        try await central.waitUntilHolding { try await Self.journalHead(rig.client) }
        vm.cutPower()

        let journal = try await JournalAudit.read(disk: vm.disk, into: work)
        let acknowledged = rig.ledger.acknowledged
        lost.formUnion(acknowledged.keys.filter { journal.betsByKey[$0] == nil })
        let duplicated = journal.betsByKey.values.filter { $0 > 1 }.count
        let unaccounted = journal.betsByKey.keys.filter { acknowledged[$0] == nil }.count
        say("journal read off the disk: chain verified to seq \(journal.records), \(journal.betsByKey.count) bets; "
              + "\(committedBeforeCut) bets in doubt at a cut had been committed (their retries were answered from the journal); "
              + "refusals: \(Self.tally(rig.ledger.refused)); \(unaccounted) bets no terminal saw acknowledged")
        let centralDiffers = try central.compare(with: journal)
        say(centralDiffers.map { "central DIFFERS: \($0)" }
                ?? "central holds the journal's \(journal.records) records exactly once, ending in the same hash, chain verified in PostgreSQL")
        say("backups on the disk: \(journal.backups.verified) verified, \(journal.backups.partial) half-written left by a cut"
              + (journal.backups.failed.isEmpty ? "" : "; FAILED to verify: \(journal.backups.failed.joined(separator: "; "))"))
        say("cuts by kind: " + CutKind.allCases.map { "\($0.rawValue) \(cutsByKind[$0] ?? 0)" }.joined(separator: ", "))
        say("power cuts: \(options.cuts), acknowledged bets: \(acknowledged.count), lost: \(lost.count), duplicated: \(duplicated)")
        let passed = lost.isEmpty && duplicated == 0 && unaccounted == 0 && centralDiffers == nil && journal.backups.failed.isEmpty
        if passed { try? FileManager.default.removeItem(atPath: work) } else { say("kept for inspection: \(work) (keys lost: \(lost.sorted().prefix(10)))") }
        return passed
    }

    /// Lets the load run, sets up what `kind` asks for, and cuts the power; answers what was
    /// going on at the cut, for the report.
    private func cutPower(during kind: CutKind, _ rig: Rig, _ random: inout SplitMix64) async throws -> String {
        let delay = Int.random(in: options.loadMillis, using: &random)
        switch kind {
        case .load:
            try await Task.sleep(for: .milliseconds(delay))
            rig.vm.cutPower()
            return ""
        case .staged:
            let lowBattery = Int.random(in: 500...4_500, using: &random)
            try await Task.sleep(for: .milliseconds(max(0, delay - lowBattery)))
            try rig.ups.set(status: "OB LB", charge: 5, runtime: 60)
            try await Task.sleep(for: .milliseconds(lowBattery))
            rig.vm.cutPower()
            try rig.ups.set(status: "OL", charge: 100, runtime: 1_800)
            return "; the UPS had reported low battery \(lowBattery) ms before"
        case .sync:
            let held = Int.random(in: 300...1_500, using: &random)
            let window = Int.random(in: 1_000...3_000, using: &random)
            try await Task.sleep(for: .milliseconds(max(0, delay - window)))
            rig.central.slow(milliseconds: held)
            try await Task.sleep(for: .milliseconds(window))
            // Then the first moment the link holds a chunk (a push, or central's answer to one).
            let giveUp = ContinuousClock.now + .seconds(3)
            while !rig.central.batchInFlight, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(2)) }
            let inFlight = rig.central.batchInFlight
            rig.vm.cutPower()
            rig.central.clear()
            let mark = try rig.central.highWater()
            return "; the link held each chunk \(held) ms, " + (inFlight ? "and was carrying a request or answer" : "but was idle for 3 s")
                + " at the cut; central had up to seq \(mark)"
        case .backup:
            return try await cutPartWay(through: "backup now", succeeding: "backup verified", rig, &random)
        case .checkpoint:
            // The load fills the WAL first, and again between the whole checkpoint and the cut one.
            try await Task.sleep(for: .milliseconds(delay))
            return try await cutPartWay(through: "journal checkpoint", succeeding: "checkpoint done", rig, &random,
                                        refill: .milliseconds(Int.random(in: 1_000...3_000, using: &random)))
        }
    }

    /// A technician logs in on the serial console and runs `command` to the end (it must succeed
    /// after whatever the last cut did); `refill` later runs it again, and the cut comes 5 to 95 %
    /// of the way through, timed from the first.
    private func cutPartWay(through command: String, succeeding: String, _ rig: Rig, _ random: inout SplitMix64,
                            refill: Duration = .zero) async throws -> String {
        let console = try await TechnicianLine.logIn(socket: rig.vm.consoleSocket, prompt: "\(ApplianceVM.applianceCode)> ",
                                                     name: ApplianceVM.technician.name, pin: ApplianceVM.technician.pin)
        let started = ContinuousClock.now
        let whole = try await console.run(command)
        guard whole.contains(succeeding) else { throw ChildProcessError("'\(command)' failed under load: \(whole)") }
        let took = ContinuousClock.now - started
        try await Task.sleep(for: refill)
        let fraction = Double.random(in: 0.05...0.95, using: &random)
        console.start(command)
        try await Task.sleep(for: took * fraction)
        rig.vm.cutPower()
        return "; a whole `\(command)` took \(Self.seconds(took)) s, the next was cut \(Int(fraction * 100)) % of the way"
    }

    static func isUp(_ client: TerminalClient) async -> Bool {
        (try? await client.send(.GET, "/health").status) == 200
    }

    /// The last record the appliance's journal committed, as it reports it.
    static func journalHead(_ client: TerminalClient) async throws -> Int64 {
        switch try client.outcome(try await client.send(.GET, "/v1/appliance"), ApplianceStateView.self) {
        case .success(let state): return state.journalHeadSeq
        case .failure(let problem): throw problem
        }
    }

    /// Every acknowledged bet must be found; every bet in doubt is retried with its own key, and
    /// the answer (a replay or a new ticket) settles it.
    static func audit(_ client: TerminalClient, _ ledger: BetLedger) async throws -> (checked: Int, missing: [String], retried: Int, committed: Int) {
        var missing: [String] = []
        let acknowledged = ledger.acknowledged
        for (key, ticket) in acknowledged where try await client.send(.GET, "/v1/tickets/\(ticket)").status != 200 {
            missing.append(key)
        }
        let inDoubt = ledger.inDoubt
        var committed = 0
        for slip in inDoubt.values {
            let answer = try await client.place(slip)
            if case .success(let ticket) = answer, ticket.replayed { committed += 1 }
            ledger.answered(slip, answer)
        }
        return (acknowledged.count, missing, inDoubt.count, committed)
    }

    static func tally(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
