import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension SyncSuites {
    /// The stale-win attack of issue 24 (hole 1), against the real holdfast-central and PostgreSQL.
    @Suite("Stale offline wins are not paid", .timeLimit(.minutes(3)))
    struct StaleWinTests {
        @Test("cut the uplink, bet at old prices, let the race be resulted during the outage: central's void verdict wins over the result")
        func staleWinVoidedAfterResult() async throws {
            let central = try CentralFixture()
            try await central.start()
            let market = Market(id: "s1", event: Event(id: "se1", name: "Stale race", startsAtMillis: 4_102_444_800_000), name: "Win",
                                selections: [Selection(id: "s1-a", name: "A", odds: try Odds.parse("2.0")),
                                             Selection(id: "s1-b", name: "B", odds: try Odds.parse("3.0")),
                                             Selection(id: "s1-c", name: "C", odds: try Odds.parse("4.0"))])
            try central.publish(market)

            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            let client = daemon.client(port: try await daemon.start())
            let board = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "s1" } }

            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            // Central shortens B and C while this appliance cannot hear it; the race is then run
            // and resulted, B the winner, still during the outage.
            try central.publish("price", ["--selection", "s1-b", "--odds", "1.5"])
            try central.publish("price", ["--selection", "s1-c", "--odds", "2.0"])
            try await Task.sleep(for: .milliseconds(100)) // the bets come clearly after the changes
            let staleWinner = try await client.place(Slips.single("s1-b", on: board, stake: 200)).get()
            let staleLoser = try await client.place(Slips.single("s1-c", on: board, stake: 300)).get()
            #expect(staleWinner.verdict == "pending" && staleLoser.verdict == "pending")
            try central.publish("result", ["--market", "s1", "--winner", "s1-b"])

            try await central.start()
            let winner = try await Feed.waitForTicket(client, staleWinner.ticketId) { $0.verdict == "voided" }
            #expect(winner.status == .voided && winner.amount.minorUnits == 200, "the stake back, not 3.0 x 200")
            #expect(winner.voidReason?.contains("stale_odds") == true, "\(String(describing: winner.voidReason))")
            let loser = try await Feed.waitForTicket(client, staleLoser.ticketId) { $0.verdict == "voided" }
            #expect(loser.status == .voided && loser.amount.minorUnits == 300, "a voided bet that lost is refunded")

            // The fixture's terminal is staff, so it may pay.
            let paid = try await client.payout(staleWinner.ticketId, securityCode: try #require(staleWinner.securityCode)).get()
            #expect(paid.status == .paid && paid.amount.minorUnits == 200)
            #expect(try central.postgres.psql("SELECT decision || ' ' || coalesce(reason, '-') FROM verdicts ORDER BY seq")
                        == "voided stale_odds\nvoided stale_odds")
            #expect(await daemon.terminate() == 0)
        }
    }
}
