import Foundation
import Journal
import NIOConcurrencyHelpers
import Randomness
import TerminalClient
import TerminalProtocol
import Testing
import Wagering

/// The whole daemon, killed with SIGKILL while terminals are placing bets, then restarted on the
/// same data: every bet a terminal saw acknowledged is there, and no idempotency key made two.
// Four minutes: a hang guard. With the whole TSan suite around it on two cores the test once
// took over two minutes, 30 s of it requests waiting out the client's timeout after the kill.
@Suite("holdfastd survives SIGKILL under load", .timeLimit(.minutes(4)))
struct DaemonCrashTests {
    @Test("acknowledged bets survive a SIGKILL mid-load, and retries after restart never double them")
    func killUnderLoad() async throws {
        let daemon = try DaemonFixture()
        let firstPort = try await daemon.start()
        let tally = LoadTally()

        let clients = 16
        let target = 400
        let client = daemon.client(port: firstPort)
        let board = try await client.board()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<clients {
                group.addTask {
                    var count = 0
                    while tally.acknowledged.withLockedValue({ $0.count }) < target {
                        count += 1
                        let selection = board.markets[count % board.markets.count].selections[worker % 2]
                        let slip = PlaceBetRequest(
                            idempotencyKey: "w\(worker)-\(count)", type: "single",
                            legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
                            stakePerLine: MoneyView(minorUnits: 100, currency: "GBP"), oddsChangePolicy: .exact)
                        tally.unresolved.withLockedValue { $0[slip.idempotencyKey] = slip }
                        guard case .success(let ticket)? = try? await client.place(slip) else {
                            // After the kill every request fails: this worker is done. Before it, a
                            // failure is an answer slow beyond the client's timeout on a loaded machine:
                            // the slip stays unresolved (retried after the restart) and the load goes
                            // on, so that enough bets are acknowledged for the kill to come at all.
                            if tally.killed.withLockedValue({ $0 }) { return }
                            continue
                        }
                        tally.unresolved.withLockedValue { $0[slip.idempotencyKey] = nil }
                        tally.acknowledged.withLockedValue { $0[slip.idempotencyKey] = ticket.ticketId }
                    }
                }
            }
            // Kill while the workers are mid-flight.
            while tally.acknowledged.withLockedValue({ $0.count }) < target / 2 { try? await Task.sleep(for: .milliseconds(5)) }
            tally.killed.withLockedValue { $0 = true }
            await daemon.kill()
            // Requests in flight at the kill stay unresolved whatever happens to them now. Left
            // alone each would wait out the client's 30 s timeout: AsyncHTTPClient keeps trying to
            // connect while a request's deadline allows, so that an appliance back in time serves it.
            group.cancelAll()
            await group.waitForAll()
        }
        let acked = tally.acknowledged.withLockedValue { $0 }
        let inFlight = tally.unresolved.withLockedValue { $0 }
        #expect(acked.count >= target / 2)
        print("holdfastd SIGKILLed with \(acked.count) bets acknowledged and \(inFlight.count) in flight")

        let restarted = daemon.client(port: try await daemon.start())
        for (key, ticketID) in acked {
            let answer = try await restarted.send(.GET, "/v1/tickets/\(ticketID)")
            #expect(answer.status == 200, "acknowledged ticket \(ticketID) (\(key)) is missing")
        }
        // Requests whose answers were lost are retried with their keys: each answers its one bet.
        var retriedTickets: [String: String] = [:]
        for (key, slip) in inFlight {
            guard case .success(let ticket) = try await restarted.place(slip) else { Issue.record("retry of \(key) refused"); continue }
            retriedTickets[key] = ticket.ticketId
        }
        #expect(Set(retriedTickets.values).isDisjoint(with: Set(acked.values)))
        #expect(await daemon.terminate() == 0)

        let verified = try JournalMaintenance.verify(directory: daemon.dataDirectory, full: true).get()
        #expect(verified.derivedStateChecked)
        let journal = try await daemon.openJournal()
        let records = try await journal.records(after: 0, limit: 1_000_000)
        var keys: [String] = []
        for record in records where record.kind == "bet.placed" {
            let bet = try JSONDecoder().decode(PlacedBet.self, from: Data(record.payload))
            keys.append(bet.idempotencyKey)
        }
        #expect(keys.count == Set(keys).count, "an idempotency key made two bets")
        #expect(keys.count == acked.count + inFlight.count)
        await journal.close()
    }
}

/// What the load's terminals saw, shared by their tasks.
final class LoadTally: Sendable {
    /// Idempotency key -> ticket id, for every bet whose acceptance reached its terminal.
    let acknowledged = NIOLockedValueBox<[String: String]>([:])
    /// Sent, but the answer was lost in the kill (or came too late before it).
    let unresolved = NIOLockedValueBox<[String: PlaceBetRequest]>([:])
    /// Set just before the SIGKILL: failures from then on end the workers.
    let killed = NIOLockedValueBox(false)
}

/// A holdfastd child process on its own data directory and configuration.
final class DaemonFixture {
    let directory: TemporaryDirectory
    let secret: TerminalSecret
    private var child: LineReadingChild?

    /// `extraConfig`: more top-level sections for the configuration (a console, say).
    /// `applianceExtra`: more keys for the `appliance` mapping (", manifest: m.sha256").
    init(power: String = "{ source: simulated }", applianceExtra: String = "", extraConfig: String = "") throws {
        directory = try TemporaryDirectory()
        var random = SystemRandom()
        secret = TerminalSecret.generate(using: &random)
        let board = """
            {"markets": [
              {"id": "k1", "name": "Win", "event": {"id": "ke1", "name": "Kill race 1", "startsInMinutes": 60},
               "selections": [{"id": "k1-a", "name": "A", "price": "2.0"}, {"id": "k1-b", "name": "B", "price": "7/4"}]},
              {"id": "k2", "name": "Win", "event": {"id": "ke2", "name": "Kill race 2", "startsInMinutes": 60},
               "selections": [{"id": "k2-a", "name": "A", "price": "evens"}, {"id": "k2-b", "name": "B", "price": "+250"}]}
            ]}
            """
        try board.write(toFile: directory.path + "/board.json", atomically: true, encoding: .utf8)
        let config = """
            appliance: { code: KIL1, currency: GBP, data_dir: data, log_level: error\(applianceExtra) }
            api: { listen_host: 127.0.0.1, listen_port: 0 }
            journal: {}
            limits:
              min_stake_per_line: "0.10"
              max_stake_per_bet: "500.00"
              max_payout_per_bet: "25000.00"
              max_liability_per_selection: "1000000.00"
              max_liability_per_market: "1000000.00"
              terminal_max_stake_per_bet: "200.00"
              terminal_max_open_stake: "1000000.00"
            terminals:
              - { id: load-kiosk, role: staff, secret: \(secret.hex) }
            power: \(power)
            demo: { board_file: board.json }
            \(extraConfig)
            """
        try config.write(toFile: directory.path + "/holdfast.yaml", atomically: true, encoding: .utf8)
    }

    var dataDirectory: String { directory.path + "/data" }

    /// Starts holdfastd and returns the port it printed.
    func start(environment: [String: String] = [:]) async throws -> Int {
        let process = try LineReadingChild(executable: try BuiltProducts.path(of: "holdfastd"),
                                           arguments: ["--config", directory.path + "/holdfast.yaml"], environment: environment)
        child = process
        var seen: [String] = []
        while let line = await process.nextLine() {
            guard line.hasPrefix("holdfastd listening on http://127.0.0.1:") else {
                seen = Array((seen + [line]).suffix(5))
                continue
            }
            let rest = line.dropFirst("holdfastd listening on http://127.0.0.1:".count)
            guard let port = Int(rest.prefix { $0.isNumber }) else { break }
            return port
        }
        throw ChildProcessError("holdfastd did not report where it listens; its last lines:\n" + seen.joined(separator: "\n"))
    }

    func client(port: Int) -> TerminalClient {
        // A hang guard: 30 s, where an answer takes milliseconds unloaded and seconds from a
        // ThreadSanitizer build beside CPU hogs (a commit's fsync included).
        TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "load-kiosk", secret: secret, timeout: .seconds(30))
    }

    func kill() async { await child?.kill() }

    func terminate() async -> Int32 { await child?.terminate() ?? -1 }

    /// The running daemon's process, for a signal sent from a thread that cannot await.
    var process: Spawned? { child?.child }

    /// For a `defer`, which cannot await: SIGTERM, and this fixture (so its directory) lives
    /// until the daemon has exited.
    func terminateInBackground() { child?.terminateInBackground(keepAlive: self) }

    /// The daemon's journal, opened here while the daemon is stopped; `clock` times what is
    /// written.
    func openJournal(clock: any JournalClock = SystemClock()) async throws -> BetJournal {
        var random = SystemRandom()
        let limits = BettingLimits(minStakePerLine: 10, maxStakePerBet: 50_000, maxPayoutPerBet: 2_500_000,
                                   maxLiabilityPerSelection: 100_000_000, maxLiabilityPerMarket: 100_000_000,
                                   terminalDefaults: TerminalLimits(maxStakePerBet: 20_000, maxOpenStake: 100_000_000))
        return try await BetJournal.open(JournalConfiguration(directory: dataDirectory, applianceCode: try ApplianceCode("KIL1"),
                                                              currency: .gbp, limits: limits),
                                         clock: clock, random: &random, logger: .init(label: "test"))
    }
}
