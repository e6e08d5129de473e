import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension SyncSuites {
    @Suite("Central's feed and verdicts", .timeLimit(.minutes(2)))
    struct FeedAndVerdictTests {
        @Test("markets and prices from central reach the board; offline bets get verdicts; results settle; the board survives a reboot offline")
        func feedVerdictsAndSettlement() async throws {
            let central = try CentralFixture()
            try await central.start()
            let market = Market(id: "c1", event: Event(id: "ce1", name: "Central race 1", startsAtMillis: 1_900_000_000_000), name: "Win",
                                selections: [Selection(id: "c1-a", name: "A", odds: try Odds.parse("2.0")),
                                             Selection(id: "c1-b", name: "B", odds: try Odds.parse("3.0"))])
            try central.publish(market)

            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            var client = daemon.client(port: try await daemon.start())
            var board = try await Feed.waitForBoard(client) { $0.markets.contains { $0.id == "c1" } }
            // The board can arrive before both channels have answered current; a bet placed then
            // is taken offline and judged, which adds a verdict row (a fresh clone, 2026-12-08).
            _ = try await Offline.waitForState("online", client)
            let online = try await client.place(Slips.single("c1-a", on: board, stake: 200)).get()
            #expect(online.takenOffline != true, "taken while the link was online")

            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            let confirmed = try await client.place(Slips.single("c1-a", on: board, stake: 200)).get()
            // Central moves c1-b while this appliance cannot hear it: a bet at the old price is stale.
            try central.publish("price", ["--selection", "c1-b", "--odds", "1.5"])
            try await Task.sleep(for: .milliseconds(100)) // the bet comes clearly after the change
            let stale = try await client.place(Slips.single("c1-b", on: board, stake: 200)).get()
            let unknown = try await client.place(Slips.single("k1-a", on: board, stake: 200)).get()
            #expect([confirmed, stale, unknown].allSatisfy { $0.takenOffline == true })

            try await central.start()
            try await Feed.waitForTicket(client, stale.ticketId) { $0.status == .voided }
            let staleView = try await client.send(.GET, "/v1/tickets/\(stale.ticketId)").decode(TicketView.self)
            #expect(staleView.voidReason?.contains("stale_odds") == true, "\(String(describing: staleView.voidReason))")
            #expect(staleView.amount.minorUnits == 200, "a voided offline bet is refundable at the counter")
            let unknownView = try await Feed.waitForTicket(client, unknown.ticketId) { $0.status == .voided }
            #expect(unknownView.voidReason?.contains("unknown_market") == true)
            let confirmedView = try await client.send(.GET, "/v1/tickets/\(confirmed.ticketId)").decode(TicketView.self)
            #expect(confirmedView.status == .open)
            #expect(try central.postgres.psql("SELECT decision || ' ' || coalesce(reason, '-') FROM verdicts ORDER BY seq")
                        == "confirmed -\nvoided stale_odds\nvoided unknown_market")
            board = try await Feed.waitForBoard(client) { board in
                board.markets.first { $0.id == "c1" }?.selections.first { $0.id == "c1-b" }?.price.exact == ExactPrice(numerator: 3, denominator: 2)
            }

            try central.publish("result", ["--market", "c1", "--winner", "c1-a"])
            let won = try await Feed.waitForTicket(client, confirmed.ticketId) { $0.status == .won }
            #expect(won.amount.minorUnits == 400, "central's result settled the offline winner: payable offline")
            #expect(try await Feed.waitForTicket(client, online.ticketId) { $0.status == .won }.amount.minorUnits == 400)

            // A reboot while central is away keeps the board central sent.
            await central.kill()
            #expect(await daemon.terminate() == 0)
            client = daemon.client(port: try await daemon.start())
            let rebooted = try await client.board()
            #expect(rebooted.markets.first { $0.id == "c1" }?.selections.first { $0.id == "c1-b" }?.price.exact == ExactPrice(numerator: 3, denominator: 2))
            _ = await daemon.terminate()
        }
    }
}

extension CentralFixture {
    /// Publishes `market` with `holdfast-central publish market`, as the operator's desk would.
    func publish(_ market: Market) throws {
        let file = pki.path + "/\(market.id).json"
        try JSONEncoder().encode(market).write(to: URL(fileURLWithPath: file))
        try publish("market", ["--file", file])
    }
}

/// Waits for what central sends to show on the appliance. 60 s by default: a reconnect, the
/// feed's long poll and PostgreSQL on a loaded machine; only what never comes waits it out.
enum Feed {
    @discardableResult
    static func waitForBoard(_ client: TerminalClient, timeout: Duration = .seconds(60),
                             until condition: (BoardView) -> Bool) async throws -> BoardView {
        let deadline = ContinuousClock.now + timeout
        while true {
            let board = try await client.board()
            if condition(board) { return board }
            guard ContinuousClock.now < deadline else { throw TestFailure("the board never showed what central published") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @discardableResult
    static func waitForTicket(_ client: TerminalClient, _ ticket: String, timeout: Duration = .seconds(60),
                              until condition: (TicketView) -> Bool) async throws -> TicketView {
        let deadline = ContinuousClock.now + timeout
        while true {
            let view = try await client.send(.GET, "/v1/tickets/\(ticket)").decode(TicketView.self)
            if condition(view) { return view }
            guard ContinuousClock.now < deadline else { throw TestFailure("ticket \(ticket) stayed \(view.status)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
