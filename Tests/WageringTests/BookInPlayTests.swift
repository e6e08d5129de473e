import Foundation
import Testing
@testable import Wagering

/// In-play bets wait out a delay as pending tickets and are decided against the board as it
/// stands after it (docs/adr/0014-in-play-delay.md; issue 24). Each test is one of the ADR's
/// attacks on the book.
@Suite("Book: in-play bets and their delay")
struct BookInPlayTests {
    /// The standard desk with race2 in play (central's delay 8 s) and race1 pre-match.
    private static func inPlayDesk(limits: BettingLimits = Fixture.generousLimits) throws -> Desk {
        var desk = try Desk.standard(limits: limits)
        var race2 = try #require(desk.book.board.market("race2"))
        race2.inPlay = true
        race2.betDelaySeconds = 8
        try desk.publish(race2)
        return desk
    }

    private static func decide(_ desk: inout Desk, _ bet: PlacedBet, giveUp: DelayDeclineReason? = nil) throws -> DelayDecision {
        let applied = try desk.book.decideDelayed(bet.ticketID, nowMillis: desk.nowMillis + 9_000, giveUp: giveUp)
        guard case .betDelayDecided(let decision) = applied.event else { throw DecisionMissing() }
        return decision
    }

    private struct DecisionMissing: Error {}

    @Test("a bet with an in-play leg is taken pending, its delay the longer of central's and the venue's, its exposure reserved")
    func pendingReservesExposure() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100)
        #expect(bet.inPlayDelay?.seconds == 8)
        #expect(bet.inPlayDelay?.markets == [InPlayDelay.MarketMark(marketID: "race2", changeCount: 1, inPlay: true)])
        #expect(desk.book.ticket(bet.ticketID)?.status == .pending)
        #expect(desk.book.exposure.selectionLiability("d") == 100)
        #expect(desk.book.openStake(of: "T1") == 100)

        desk.book.inPlayRules.floorSeconds = 12
        let longer = try desk.place(.single, ["e"], stake: 100, terminal: "T2")
        #expect(longer.inPlayDelay?.seconds == 12)
        let preMatch = try desk.place(.single, ["a"], stake: 100)
        #expect(preMatch.inPlayDelay == nil && desk.book.ticket(preMatch.ticketID)?.status == .open)
    }

    @Test("a result inside the delay settles nothing pending; staff can neither void nor pay it; the decision declines it")
    func resultInsideTheDelay() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100)
        let resulted = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(resulted.tickets.isEmpty)
        #expect(desk.book.ticket(bet.ticketID)?.status == .pending)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(bet.ticketID, by: "staff", reason: "asked", nowMillis: desk.nowMillis, windowMillis: 60_000)
        } == .ticketNotOpen(bet.ticketID, .pending))
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.pay(bet.ticketID, code: Fixture.code(bet.ticketID.serial).digest, at: "cashier", nowMillis: desk.nowMillis)
        } == .ticketNotPayable(bet.ticketID, .pending))

        let decision = try Self.decide(&desk, bet)
        #expect(decision.declined == .marketChanged)
        #expect(desk.book.ticket(bet.ticketID) == nil)
        #expect(desk.book.exposure.selectionLiability("d") == 0 && desk.book.openStake(of: "T1") == 0)
    }

    @Test("nothing changed: accepted, the ticket open on its terms, and the result settles it")
    func acceptedThenSettled() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100)
        let decision = try Self.decide(&desk, bet)
        #expect(decision.isAccepted)
        #expect(desk.book.ticket(bet.ticketID)?.status == .open && desk.book.pendingBets.isEmpty)
        let settled = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(settled.tickets == [TicketChange(ticketID: bet.ticketID, status: .won, amount: 200)])
    }

    @Test("a suspension lifted inside the delay still declines: the change count moved")
    func suspendAndReopen() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100)
        _ = try desk.book.setStatus(of: "race2", to: .suspended)
        _ = try desk.book.setStatus(of: "race2", to: .open)
        #expect(desk.book.board.market("race2")?.status == .open)
        #expect(try Self.decide(&desk, bet).declined == .marketChanged)
    }

    @Test("a republish cannot set the change count back, whatever count it carries")
    func republishKeepsTheCount() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100)
        var suspended = try #require(desk.book.board.market("race2"))
        suspended.status = .suspended
        try desk.publish(suspended)
        var reopened = suspended
        reopened.status = .open
        reopened.changeCount = 0
        try desk.publish(reopened)
        #expect(desk.book.board.market("race2")?.changeCount == 2)
        #expect(try Self.decide(&desk, bet).declined == .marketChanged)
    }

    @Test("a price that moved and came back declines: the version moved (A to B to A)")
    func priceThereAndBack() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100, policy: .acceptAny)
        _ = try desk.book.changePrice(of: "d", to: price(3))
        _ = try desk.book.changePrice(of: "d", to: price(2))
        let decision = try Self.decide(&desk, bet)
        #expect(decision.declined == .priceChanged)
        #expect(desk.book.exposure.selectionLiability("d") == 0)
    }

    @Test("a multi with a pre-match leg is declined if that leg's event starts inside the delay, or its market is suspended")
    func mixedMulti() throws {
        var desk = try Self.inPlayDesk()
        let started = try desk.place(.accumulator, ["a", "d"], stake: 100)
        #expect(started.inPlayDelay?.markets.map(\.marketID) == ["race1", "race2"])
        let applied = try desk.book.decideDelayed(started.ticketID, nowMillis: 1_700_000_000_000)
        guard case .betDelayDecided(let decision) = applied.event else { Issue.record("no decision"); return }
        #expect(decision.declined == .eventStarted)

        let suspended = try desk.place(.accumulator, ["b", "e"], stake: 100)
        _ = try desk.book.setStatus(of: "race1", to: .suspended)
        _ = try desk.book.setStatus(of: "race1", to: .open)
        #expect(try Self.decide(&desk, suspended).declined == .marketChanged)
    }

    @Test("a limit lowered inside the delay declines at the decision, measured without the bet's own reservation")
    func limitAtDecision() throws {
        var desk = try Self.inPlayDesk()
        let fits = try desk.place(.single, ["d"], stake: 500)
        let lowered = try desk.place(.single, ["e"], stake: 500, terminal: "T2")
        var limits = desk.book.limits
        limits.maxLiabilityPerSelection = 500
        desk.book.limits = limits
        #expect(try Self.decide(&desk, fits).isAccepted)
        #expect(try Self.decide(&desk, lowered).declined == .limitAtDecision)
        #expect(desk.book.exposure.selectionLiability("e") == 0)
    }

    @Test("past the pending bounds, per terminal and in all, an in-play bet is refused and a pre-match one is not")
    func pendingBounds() throws {
        var desk = try Self.inPlayDesk()
        desk.book.inPlayRules = InPlayRules(floorSeconds: 5, maxPendingPerTerminal: 2, maxPending: 3)
        try desk.place(.single, ["d"], stake: 100)
        try desk.place(.single, ["e"], stake: 100)
        let request = try desk.request(.single, legs: desk.legs(["d"]), stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(request) }
            == .pendingLimitReached(.perTerminal, held: 2, limit: 2))
        try desk.place(.single, ["a"], stake: 100)
        try desk.place(.single, ["d"], stake: 100, terminal: "T2")
        let third = try desk.request(.single, legs: desk.legs(["e"]), stake: 100, terminal: "T3")
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(third) }
            == .pendingLimitReached(.appliance, held: 3, limit: 3))
    }

    @Test("given up on: declined as undecided whatever the board says; a second decision is refused")
    func giveUp() throws {
        var desk = try Self.inPlayDesk()
        let bet = try desk.place(.single, ["d"], stake: 100)
        #expect(try Self.decide(&desk, bet, giveUp: .undecidedInTime).declined == .undecidedInTime)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.decideDelayed(bet.ticketID, nowMillis: 0)
        } == .unknownTicket(bet.ticketID))
        let open = try desk.place(.single, ["a"], stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.decideDelayed(open.ticketID, nowMillis: 0)
        } == .notPending(open.ticketID, .open))
    }

    @Test("replaying the records, and restoring a pending ticket, give back the same book")
    func replayAndRestore() throws {
        var desk = Desk()
        var events: [LedgerEvent] = []
        var race2 = Fixture.market("race2", event: "e2", [("d", price(2)), ("e", price(4))])
        events.append(try desk.book.publish(race2).event)
        race2.inPlay = true
        events.append(try desk.book.publish(race2).event)
        let accepted = try desk.place(.single, ["d"], stake: 100)
        let declined = try desk.place(.single, ["e"], stake: 200)
        let waiting = try desk.place(.single, ["d"], stake: 300, terminal: "T2")
        events += [.betPlaced(accepted), .betPlaced(declined), .betPlaced(waiting)]
        events.append(try desk.book.changePrice(of: "e", to: price(5)).event)
        for bet in [accepted, declined] {
            events.append(try desk.book.decideDelayed(bet.ticketID, nowMillis: desk.nowMillis).event)
        }
        var replayed = Book.forReplay(currency: .gbp)
        for event in events { try replayed.replay(event) }
        #expect(replayed.tickets == desk.book.tickets && replayed.tickets.count == 2)
        #expect(replayed.exposure == desk.book.exposure && replayed.pendingBets == desk.book.pendingBets)

        var restored = Book.forReplay(currency: .gbp)
        try restored.restore(markets: Array(desk.book.board.markets.values), results: [],
                             tickets: [StoredTicket(bet: accepted, status: .open, amountOwed: 0),
                                       StoredTicket(bet: waiting, status: .pending, amountOwed: 0)])
        #expect(restored.tickets == desk.book.tickets && restored.pendingBets == desk.book.pendingBets)
        #expect(restored.exposure == desk.book.exposure)
        #expect(try restored.decideDelayed(waiting.ticketID, nowMillis: desk.nowMillis).tickets.first?.status == .open)
    }
}

@Suite("Book: market records from before the change count")
struct LegacyChangeCountTests {
    @Test("a market.published record without a change count replays; the count replayed stands")
    func legacyRecordReplays() throws {
        let open = Fixture.market("race", event: "e", [("a", price(2)), ("b", price(3))])
        let legacy = try JSONDecoder().decode(Market.self, from: JSONEncoder().encode(open))
        var book = Book.forReplay(currency: .gbp)
        try book.replay(.marketPublished(legacy))
        try book.replay(.marketStatusChanged(MarketStatusChange(marketID: "race", status: .suspended, inPlay: nil)))
        try book.replay(.marketPublished(legacy))
        #expect(book.board.market("race")?.changeCount == 1 && book.board.market("race")?.status == .open)
    }
}
