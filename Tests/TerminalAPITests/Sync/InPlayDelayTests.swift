import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension SyncSuites {
    /// In-play bets wait out a delay and are decided on central's feed heard after it
    /// (docs/adr/0014-in-play-delay.md; issue 24), against the real holdfast-central and PostgreSQL.
    @Suite("In-play bets wait out their delay", .timeLimit(.minutes(4)))
    struct InPlayDelayTests {
        /// An in-play market with central's delay of `delay` seconds.
        private static func inPlayMarket(_ id: String, delay: Int) throws -> Market {
            Market(id: MarketID(rawValue: id), event: Event(id: EventID(rawValue: "\(id)-e"), name: "Live match \(id)", startsAtMillis: 1_700_000_000_000),
                   name: "Match result", inPlay: true,
                   selections: [Selection(id: SelectionID(rawValue: "\(id)-home"), name: "Home", odds: try Odds.parse("2.5")),
                                Selection(id: SelectionID(rawValue: "\(id)-away"), name: "Away", odds: try Odds.parse("3.0"))],
                   betDelaySeconds: delay)
        }

        private static func client(_ daemon: DaemonFixture, port: Int) -> TerminalClient {
            // Longer than any decision: the delay plus the feed, or max_pending_seconds at worst.
            TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "load-kiosk", secret: daemon.secret, timeout: .seconds(90))
        }

        @Test("nothing changed: accepted after the delay; a suspension lifted inside it: declined with the reason, no code, and the same to a retry")
        func acceptedAndDeclined() async throws {
            let central = try CentralFixture()
            try await central.start()
            try central.publish(try Self.inPlayMarket("ip1", delay: 3))
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\nin_play: { delay_seconds: 1 }\n")
            let client = Self.client(daemon, port: try await daemon.start())
            let board = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "ip1" } }
            _ = try await Offline.waitForState("online", client)

            let started = ContinuousClock.now
            let accepted = try await client.place(Slips.single("ip1-home", on: board, stake: 200)).get()
            #expect(ContinuousClock.now - started >= .seconds(3), "answered only after central's 3 s delay")
            #expect(accepted.status == .open && accepted.securityCode != nil && accepted.inPlayDelaySeconds == 3, "\(String(describing: accepted.inPlayDelaySeconds))")

            let slip = Slips.single("ip1-away", on: board, stake: 300)
            async let answer = client.place(slip)
            // The bet is journaled pending within milliseconds; the trader suspends and reopens
            // the market well inside its 3 s.
            try await Task.sleep(for: .milliseconds(300))
            try central.publish("status", ["--market", "ip1", "--status", "suspended"])
            try central.publish("status", ["--market", "ip1", "--status", "open"])
            guard case .failure(let declined) = try await answer else {
                Issue.record("a bet across a suspension was accepted")
                return
            }
            #expect(declined.kind == .betDeclinedInDelay && declined.status == 409)
            #expect(declined.declineReason == "market_changed_in_delay", "\(declined.detail)")
            let ticket = try #require(declined.ticketId)
            guard case .failure(let again) = try await client.place(slip) else {
                Issue.record("a retry of a declined bet was accepted")
                return
            }
            #expect(again.kind == .betDeclinedInDelay && again.ticketId == ticket && again.declineReason == declined.declineReason)
            let stored = try await client.send(.GET, "/v1/tickets/\(ticket)")
            #expect(String(decoding: stored.body, as: UTF8.self).contains(#""status":"declined""#))
            #expect(await daemon.terminate() == 0)
        }

        @Test("the WAN cut inside the delay, the market suspended meanwhile: the bet waits, through a restart too, and is declined once central is heard")
        func feedCutInsideTheDelay() async throws {
            let central = try CentralFixture()
            try await central.start()
            try central.publish(try Self.inPlayMarket("ip2", delay: 2))
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\nin_play: { delay_seconds: 1 }\n")
            let client = Self.client(daemon, port: try await daemon.start())
            let board = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "ip2" } }
            _ = try await Offline.waitForState("online", client)

            let slip = Slips.single("ip2-home", on: board, stake: 500)
            let placing = Task { try await client.place(slip) }
            try await Task.sleep(for: .milliseconds(300))
            await central.kill()
            try central.publish("status", ["--market", "ip2", "--status", "suspended"])
            // Well past the delay, central still unheard: no answer, neither accepted nor declined.
            try await Task.sleep(for: .seconds(4))
            #expect(daemon.pendingTicketRows() == 1)

            // A power cut: the bet is still pending after the restart, its window begun again.
            await daemon.kill()
            _ = try? await placing.value
            let restarted = Self.client(daemon, port: try await daemon.start())
            try await central.start()
            guard case .failure(let declined) = try await restarted.place(slip) else {
                Issue.record("a bet whose market central suspended during the delay was accepted")
                return
            }
            #expect(declined.declineReason == "market_changed_in_delay", "\(declined.detail)")
            #expect(await daemon.terminate() == 0)
        }

        @Test("central never heard after the delay: declined as undecided_in_time at max_pending_seconds, with an alert")
        func undecidedInTime() async throws {
            let central = try CentralFixture()
            try await central.start()
            try central.publish(try Self.inPlayMarket("ip3", delay: 1))
            let hook = try AlertHookScript()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection()
                                           + "\nin_play: { delay_seconds: 1, max_pending_seconds: 31 }\nalerts: { command: \(hook.path) }\n")
            let client = Self.client(daemon, port: try await daemon.start())
            let board = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "ip3" } }
            _ = try await Offline.waitForState("online", client)

            let started = ContinuousClock.now
            async let answer = client.place(Slips.single("ip3-home", on: board, stake: 100))
            try await Task.sleep(for: .milliseconds(200))
            await central.kill()
            guard case .failure(let declined) = try await answer else {
                Issue.record("a bet decided without central's feed was accepted")
                return
            }
            #expect(declined.declineReason == "undecided_in_time")
            #expect(ContinuousClock.now - started >= .seconds(31))
            let alert = try await hook.first("inplay.undecided")
            #expect(alert?.contains("declined: central's feed was not heard") == true, "\(String(describing: alert))")
            // Central raises its own from the decision's record, whatever became of the appliance's.
            try await central.start()
            let alerts = try await central.alerts(waitingFor: "inplay-undecided")
            #expect(alerts.contains("inplay-undecided in-play bet \(declined.ticketId ?? "?") was declined"), "\(alerts)")
            #expect(await daemon.terminate() == 0)
        }
    }
}

extension DaemonFixture {
    /// Tickets the daemon's journal holds as pending, read with sqlite3 beside the running daemon.
    func pendingTicketRows() -> Int {
        let output = (try? Command.run("/usr/bin/sqlite3", [dataDirectory + "/journal.sqlite", "SELECT count(*) FROM tickets WHERE status = 'pending'"])) ?? ""
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
