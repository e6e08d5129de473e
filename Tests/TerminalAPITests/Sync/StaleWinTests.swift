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

        @Test("pay_before_verdict_up_to: a small stale win is paid before the verdict; central's void then raises an alert here and at central")
        func smallWinPaidBeforeVoidVerdict() async throws {
            let central = try CentralFixture()
            try await central.start()
            let market = Market(id: "p1", event: Event(id: "pe1", name: "Early race", startsAtMillis: 4_102_444_800_000), name: "Win",
                                selections: [Selection(id: "p1-a", name: "A", odds: try Odds.parse("2.0")),
                                             Selection(id: "p1-b", name: "B", odds: try Odds.parse("3.0"))])
            try central.publish(market)
            let hook = try AlertHookScript()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection()
                                           + "\noffline: { pay_before_verdict_up_to: \"5.00\" }\nalerts: { command: \(hook.path) }\n")
            let client = daemon.client(port: try await daemon.start())
            let board = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "p1" } }

            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            try central.publish("price", ["--selection", "p1-a", "--odds", "1.5"])
            try await Task.sleep(for: .milliseconds(100)) // the bet comes clearly after the change
            let stale = try await client.place(Slips.single("p1-a", on: board, stake: 200)).get()
            #expect(stale.verdict == "pending")
            try central.publish("result", ["--market", "p1", "--winner", "p1-a"])

            // Central comes back with this appliance's row locked by another transaction: its
            // pushes wait, so no verdict can be decided, while the feed brings the result.
            let lock = try LineReadingChild(executable: "/usr/bin/psql", arguments: [central.postgres.url, "-Atq"], acceptsInput: true)
            lock.send("BEGIN;\nSELECT code FROM appliances WHERE code = '\(central.applianceCode)' FOR UPDATE;\n")
            #expect(await lock.nextLine() == central.applianceCode)
            try await central.start()
            let won = try await Feed.waitForTicket(client, stale.ticketId) { $0.status == .won }
            #expect(won.verdict == "pending" && won.amount.minorUnits == 400)

            let paid = try await client.payout(stale.ticketId, securityCode: try #require(stale.securityCode)).get()
            #expect(paid.status == .paid && paid.amount.minorUnits == 400, "4.00 is within the venue's 5.00")

            lock.send("ROLLBACK;\n\\q\n")
            _ = await lock.exitStatus()
            let decided = try await Feed.waitForTicket(client, stale.ticketId) { $0.verdict == "voided" }
            #expect(decided.status == .paid && decided.amount.minorUnits == 400, "a paid ticket stays paid")
            let local = try await hook.first("verdict.void_after_payout")
            #expect(local?.contains("2.00 GBP was paid above the stake") == true, "\(String(describing: local))")

            // Central raises its own from the payment's record, which says it came before the verdict.
            // That record may come in a push after the one that decided the verdict.
            let alerts = try await central.alerts(waitingFor: "paid-before-void-verdict")
            #expect(alerts.contains("paid-before-void-verdict ticket \(stale.ticketId) was paid 4.00 GBP"), "\(alerts)")
            let metrics = try await client.send(.GET, "/metrics")
            #expect(String(decoding: metrics.body, as: UTF8.self).contains("holdfast_payouts_before_verdict_total 1"))
            #expect(await daemon.terminate() == 0)
        }
    }
}
