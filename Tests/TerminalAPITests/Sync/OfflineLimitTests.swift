import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol

extension SyncSuites {
    /// The offline limits against a real daemon whose central really went away.
    @Suite("Offline limits while central is unreachable", .timeLimit(.minutes(2)))
    struct OfflineLimitTests {
        @Test("each offline limit refuses by name; the limits lift once central has the offline bets")
        func eachLimit() async throws {
            let central = try CentralFixture()
            try await central.start()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + """

                offline: { max_stake_per_bet: "5.00", max_liability: "5.00", max_queued_bets: 3, max_offline_seconds: 3600 }
                """)
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            _ = try await Convergence.wait(daemon: client, central: central)
            let board = try await client.board()
            #expect(try await place(client, "k1-a", board, stake: 1_000).isSuccess, "online, only the normal limits apply")

            await central.kill()
            var state = try await Offline.waitForState("offline", client)
            #expect(state.offline?.applies == true && state.offline?.betsRemaining == 3)

            // Each bet on k1-a at 2.0 risks as much as it stakes.
            let overStake = try await place(client, "k1-a", board, stake: 600)
            #expect(overStake.refusal?.type == ProblemType.offlineLimit.rawValue && overStake.refusal?.limit?.name == "offline_max_stake_per_bet",
                    "\(overStake)")
            #expect(try await place(client, "k1-a", board, stake: 200).isSuccess)
            #expect(try await place(client, "k1-a", board, stake: 200).isSuccess)
            let overLiability = try await place(client, "k1-a", board, stake: 200)
            #expect(overLiability.refusal?.limit?.name == "offline_max_liability", "\(overLiability)")
            #expect(overLiability.refusal?.limit?.limit.minorUnits == 500 && overLiability.refusal?.limit?.attempted.minorUnits == 600)
            #expect(try await place(client, "k1-a", board, stake: 100).isSuccess)
            let overCount = try await place(client, "k1-a", board, stake: 10)
            #expect(overCount.refusal?.detail.contains("offline_max_queued_bets") == true, "\(overCount)")
            state = try await Offline.state(client)
            #expect(state.offline?.betsRemaining == 0 && state.offline?.liabilityRemaining.minorUnits == 0)

            try await central.start()
            let head = try await Convergence.wait(daemon: client, central: central)
            state = try await Offline.state(client)
            #expect(state.offline?.applies == false && state.offline?.betsRemaining == 3 && state.offline?.liabilityRemaining.minorUnits == 500)
            #expect(try central.recordCounts(upTo: head) == (head, head, head))
            let offlineAtCentral = try central.postgres.psql("""
                SELECT count(*) FROM journal_records WHERE kind = 'bet.placed' AND convert_from(payload, 'UTF8')::jsonb->>'takenOffline' = 'true'
                """)
            #expect(offlineAtCentral == "3", "central can tell the three offline bets")
        }

        @Test("past the offline time limit bets are refused, across a reboot, until central answers")
        func timeLimitSurvivesReboot() async throws {
            let central = try CentralFixture()
            try await central.start()
            // Time offline counts from central's last current answer, and the state says offline at
            // the first failed request: the bet taken in time must come inside the rest of the
            // limit, after the test has seen the state. 15 s, where that takes a fraction of one
            // unloaded.
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + """

                offline: { max_offline_seconds: 15 }
                """)
            var client = daemon.client(port: try await daemon.start())
            _ = try await Convergence.wait(daemon: client, central: central)
            let board = try await client.board()

            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            let early = Slips.single("k1-a", on: board, stake: 100)
            guard case .success(let taken) = try await client.place(early) else { Issue.record("the offline bet was refused"); return }
            // The limit as the appliance counts it, waited for rather than slept past.
            _ = try await Offline.waitUntil(client, "the offline time limit reached", within: .seconds(60)) { $0.offline?.secondsRemaining == 0 }
            let late = try await place(client, "k1-a", board, stake: 100)
            #expect(late.refusal?.type == ProblemType.offlineLimit.rawValue && late.refusal?.detail.contains("offline_max_time") == true, "\(late)")
            // A retry of the bet taken in time (its answer lost) is answered with its ticket, not
            // refused as if nothing had been recorded.
            let retried = try await client.place(early)
            #expect((try? retried.get())?.replayed == true && (try? retried.get())?.ticketId == taken.ticketId, "\(retried)")

            #expect(await daemon.terminate() == 0)
            client = daemon.client(port: try await daemon.start())
            let afterReboot = try await place(client, "k1-a", board, stake: 100)
            #expect(afterReboot.refusal?.detail.contains("offline_max_time") == true, "a reboot does not reset the time offline: \(afterReboot)")

            try await central.start()
            _ = try await Offline.waitForState("online", client)
            #expect(try await place(client, "k1-a", board, stake: 100).isSuccess, "central reached: bets again")
            _ = await daemon.terminate()
        }

        @Test("offline, prices older than the staleness bound are refused by name")
        func stalePrices() async throws {
            let central = try CentralFixture()
            try await central.start()
            // Prices age from the feed's last current answer, and the state says offline at the
            // first failed request: the first bet must come inside the rest of the bound, after the
            // test has seen the state. 15 s, where that takes a fraction of one unloaded.
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + """

                offline: { price_max_age_seconds: 15 }
                """)
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            _ = try await Convergence.wait(daemon: client, central: central)
            let board = try await client.board()
            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            #expect(try await place(client, "k1-a", board, stake: 100).isSuccess, "prices confirmed moments ago are fresh enough")
            // Central last answered before that bet: the bound's length after it, the prices are
            // older than the bound (a sleep is never short, so this cannot come early).
            try await Task.sleep(for: .seconds(15))
            let stale = try await place(client, "k1-a", board, stake: 100)
            #expect(stale.refusal?.detail.contains("offline_stale_prices") == true, "\(stale)")
        }

        private func place(_ client: TerminalClient, _ selection: String, _ board: BoardView, stake: Int64) async throws -> Result<TicketView, Problem> {
            try await client.place(Slips.single(selection, on: board, stake: stake))
        }
    }
}

enum Offline {
    static func state(_ client: TerminalClient) async throws -> ApplianceStateView {
        try await client.send(.GET, "/v1/appliance").decode(ApplianceStateView.self)
    }

    /// 60 s by default: the 3 s freshness bound or a reconnect, on a loaded machine; only a state that never
    /// comes waits it out.
    static func waitForState(_ uplink: String, _ client: TerminalClient, timeout: Duration = .seconds(60)) async throws -> ApplianceStateView {
        try await waitUntil(client, "the uplink \(uplink)", within: timeout) { $0.uplink.state == uplink }
    }

    /// The appliance's state once `condition` holds, asked every 100 ms; throws after `timeout`.
    static func waitUntil(_ client: TerminalClient, _ what: String, within timeout: Duration,
                          _ condition: (ApplianceStateView) -> Bool) async throws -> ApplianceStateView {
        let deadline = ContinuousClock.now + timeout
        while true {
            let state = try await state(client)
            if condition(state) { return state }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("never \(what) within \(timeout): the uplink \(state.uplink.state), offline \(String(describing: state.offline))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
    var refusal: Failure? { if case .failure(let failure) = self { failure } else { nil } }
}
