import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension SyncSuites {
    /// Issue 24, hole 4: central judges an offline bet with results and start times, and a result
    /// suspends its market first. Against the real holdfast-central and PostgreSQL.
    @Suite("Central judges with results and start times", .timeLimit(.minutes(3)))
    struct CentralJudgesTests {
        static func market(_ id: MarketID, startsAtMillis: Int64) throws -> Market {
            Market(id: id, event: Event(id: EventID(rawValue: "e-\(id)"), name: "Race \(id)", startsAtMillis: startsAtMillis), name: "Win",
                   selections: [Selection(id: SelectionID(rawValue: "\(id)-a"), name: "A", odds: try Odds.parse("2.0")),
                                Selection(id: SelectionID(rawValue: "\(id)-b"), name: "B", odds: try Odds.parse("3.0"))])
        }

        @Test("during an outage a race is brought forward and run, another resulted: bets the appliance could not know about are voided by name")
        func resultsAndStartTimes() async throws {
            let central = try CentralFixture()
            try await central.start()
            let farFuture: Int64 = 4_102_444_800_000
            try central.publish(try Self.market("early", startsAtMillis: farFuture))
            try central.publish(try Self.market("done", startsAtMillis: farFuture))
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            let board = try await Feed.waitForBoard(client) { board in ["early", "done"].allSatisfy { id in board.markets.contains { $0.id == id } } }

            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            // While this appliance cannot hear it, central moves one race to a minute ago (it has
            // started) and results the other without anyone suspending it first.
            try central.publish(try Self.market("early", startsAtMillis: Int64(Date().timeIntervalSince1970 * 1_000) - 60_000))
            let published = try central.publish("result", ["--market", "done", "--winner", "done-a"])
            #expect(published.contains("market.status_changed") && published.contains("market.resulted"), "\(published)")
            let started = try await client.place(Slips.single("early-a", on: board, stake: 100)).get()
            let resulted = try await client.place(Slips.single("done-a", on: board, stake: 100)).get()

            try await central.start()
            let afterStart = try await Feed.waitForTicket(client, started.ticketId) { $0.verdict == "voided" }
            #expect(afterStart.voidReason?.contains("after_start") == true, "\(String(describing: afterStart.voidReason))")
            let afterResult = try await Feed.waitForTicket(client, resulted.ticketId) { $0.verdict == "voided" }
            #expect(afterResult.voidReason?.contains("market_resulted") == true, "\(String(describing: afterResult.voidReason))")
            #expect(afterResult.status == .voided && afterResult.amount.minorUnits == 100, "the stake back, not the win")

            // The result reached the appliance after its suspension, in the order central wrote them.
            let order = try central.postgres.psql("SELECT string_agg(kind, ',' ORDER BY cursor) FROM feed_items WHERE body::text LIKE '%\"done\"%'")
            #expect(order == "market.published,market.status_changed,market.resulted", "\(order)")
            // And the appliance, back on central's board, refuses the race brought forward by its start.
            let now = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "early" && $0.event.startsAtMillis < farFuture } }
            let late = try await client.place(Slips.single("early-a", on: now, stake: 100))
            #expect(late.refusal?.type == ProblemType.marketNotOpen.rawValue && late.refusal?.detail.contains("started") == true, "\(late)")
        }
    }
}
