import Foundation
import TerminalClient
import TerminalProtocol
import TestSupport

/// One gauntlet run: boot, load, cut, as many times as asked, checking after every boot.
struct PowerCutRun {
    let options: Options

    func run() async throws -> Bool {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let work = try options.work ?? TemporaryDirectory().path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var random = SplitMix64(seed: options.seed)
        let secret = TerminalSecret.generate(using: &random)
        let ups = try NUTServer()
        try ups.startDriver()
        try await Task.sleep(for: .milliseconds(1_200)) // the driver alone takes about a second
        try ups.startUpsd()
        defer { ups.stopAll() }
        let vm = try ApplianceVM(workDirectory: work, repository: repository, daemon: try BuiltProducts.path(of: "holdfastd"),
                                 terminalSecretHex: secret.hex, nutPort: ups.port)
        let client = TerminalClient(baseURL: "http://127.0.0.1:\(vm.port)", terminalID: "cut-kiosk", secret: secret, timeout: .seconds(20))
        let ledger = BetLedger()
        say("power-cut gauntlet: seed \(options.seed), \(options.cuts) cuts, \(options.terminals) terminals, work in \(work)")

        var lost: Set<String> = []
        var committedBeforeCut = 0
        var stagedCuts = 0
        for cut in 1...options.cuts {
            let booted = ContinuousClock.now
            try await vm.boot(within: .seconds(300)) { await Self.isUp(client) }
            let audit = try await Self.audit(client, ledger)
            lost.formUnion(audit.missing)
            committedBeforeCut += audit.committed
            let board = try await client.board()
            let load = BetLoad(client: client, ledger: ledger, terminals: options.terminals)
            let boot = vm.boots
            let loading = Task { await load.run(boot: boot, board: board) }
            let delay = Int.random(in: options.loadMillis, using: &random)
            let before = ledger.acknowledged.count
            // Some cuts come in the middle of the staged shutdown a low battery starts: intake
            // closing, in-flight bets finishing, the WAL checkpoint, the final delay.
            let lowBatteryMillis = Int.random(in: 0..<100, using: &random) < options.stagedShutdownPercent
                ? Int.random(in: 500...4_500, using: &random) : nil
            if let lowBatteryMillis {
                try await Task.sleep(for: .milliseconds(max(0, delay - lowBatteryMillis)))
                try ups.set(status: "OB LB", charge: 5, runtime: 60)
                try await Task.sleep(for: .milliseconds(lowBatteryMillis))
            } else {
                try await Task.sleep(for: .milliseconds(delay))
            }
            vm.cutPower()
            if lowBatteryMillis != nil {
                stagedCuts += 1
                try ups.set(status: "OL", charge: 100, runtime: 1_800)
            }
            loading.cancel()
            await loading.value
            say("cut \(cut)/\(options.cuts): boot and checks \(Self.seconds(ContinuousClock.now - booted - .milliseconds(delay))) s, checked \(audit.checked) "
                  + "acknowledged and \(audit.retried) in doubt (\(audit.committed) had been committed), then \(delay) ms of load: "
                  + "\(ledger.acknowledged.count - before) acknowledged, \(ledger.inDoubt.count) in doubt at the cut"
                  + (lowBatteryMillis.map { "; the UPS had reported low battery \($0) ms before" } ?? ""))
        }
        try await vm.boot(within: .seconds(300)) { await Self.isUp(client) }
        let last = try await Self.audit(client, ledger)
        lost.formUnion(last.missing)
        committedBeforeCut += last.committed
        vm.cutPower()

        let journal = try await JournalAudit.read(disk: vm.disk, into: work)
        let acknowledged = ledger.acknowledged
        lost.formUnion(acknowledged.keys.filter { journal.betsByKey[$0] == nil })
        let duplicated = journal.betsByKey.values.filter { $0 > 1 }.count
        let unaccounted = journal.betsByKey.keys.filter { acknowledged[$0] == nil }.count
        say("journal read off the disk: chain verified to seq \(journal.records), \(journal.betsByKey.count) bets; "
              + "\(committedBeforeCut) bets in doubt at a cut had been committed (their retries were answered from the journal); "
              + "\(ledger.refused) refusals; \(unaccounted) bets no terminal saw acknowledged")
        say("\(stagedCuts) of the cuts came during a staged shutdown for low battery")
        say("power cuts: \(options.cuts), acknowledged bets: \(acknowledged.count), lost: \(lost.count), duplicated: \(duplicated)")
        let passed = lost.isEmpty && duplicated == 0 && unaccounted == 0
        if passed { try? FileManager.default.removeItem(atPath: work) } else { say("kept for inspection: \(work) (keys lost: \(lost.sorted().prefix(10)))") }
        return passed
    }

    static func isUp(_ client: TerminalClient) async -> Bool {
        (try? await client.send(.GET, "/health").status) == 200
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

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
