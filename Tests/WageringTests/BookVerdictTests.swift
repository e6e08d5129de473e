import Testing
@testable import Wagering

/// A bet taken offline is payable only once central's verdict is in, and the verdict decides the
/// ticket whatever happened to it meanwhile (issue 24, hole 1; docs/adr/0012).
@Suite("Book: offline tickets and central's verdict")
struct BookVerdictTests {
    static let offline = OfflineTerms(maxStakePerBet: 1_000_000, maxLiability: 100_000_000, maxBets: 1_000)

    /// An offline single on `selection`, as the journal places it while central is unreachable.
    private static func placeOffline(_ desk: inout Desk, _ selection: SelectionID, stake: Int64) throws -> PlacedBet {
        var request = try desk.request(.single, legs: desk.legs([selection]), stake: stake)
        request.offline = offline
        return try desk.place(request)
    }

    private static func code(_ bet: PlacedBet) -> SecurityDigest { Fixture.code(bet.ticketID.serial).digest }

    @Test("the stale-win attack: a result during the outage settles the offline ticket as won; it is not paid, and the void verdict refunds the stake")
    func staleWinIsVoided() throws {
        var desk = try Desk.standard()
        let stale = try Self.placeOffline(&desk, "a", stake: 200)
        #expect(stale.takenOffline == true && stale.verdictRequired == true)
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        #expect(desk.book.ticket(stale.ticketID)?.status == .won)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.pay(stale.ticketID, code: Self.code(stale), at: "cashier", nowMillis: 10)
        } == .awaitingVerdict(stale.ticketID))

        let applied = try desk.book.applyVerdict(stale.ticketID, .voided, reason: "stale_odds", detail: "central offered 2.0", nowMillis: 20)
        #expect(applied.tickets == [TicketChange(ticketID: stale.ticketID, status: .voided, amount: 200, verdict: .voided)])
        let paid = try desk.book.pay(stale.ticketID, code: Self.code(stale), at: "cashier", nowMillis: 30)
        #expect(paid.tickets == [TicketChange(ticketID: stale.ticketID, status: .paid, amount: 200)])
    }

    @Test("a lost offline ticket is kept for its verdict: voided, the customer gets the stake back; confirmed, it is forgotten")
    func lostTicketWaits() throws {
        var desk = try Desk.standard()
        let voided = try Self.placeOffline(&desk, "b", stake: 300)
        let confirmed = try Self.placeOffline(&desk, "c", stake: 400)
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        #expect(desk.book.ticket(voided.ticketID)?.status == .lost && desk.book.ticket(confirmed.ticketID)?.status == .lost)

        _ = try desk.book.applyVerdict(voided.ticketID, .voided, reason: "market_suspended", detail: "suspended at central", nowMillis: 5)
        #expect(desk.book.ticket(voided.ticketID)?.status == .voided && desk.book.ticket(voided.ticketID)?.amountOwed == 300)
        let change = try desk.book.applyVerdict(confirmed.ticketID, .confirmed, reason: nil, detail: "matches", nowMillis: 6)
        #expect(change.tickets == [TicketChange(ticketID: confirmed.ticketID, status: .lost, amount: 0, verdict: .confirmed)])
        #expect(desk.book.ticket(confirmed.ticketID) == nil)
    }

    @Test("a confirmed win is paid; a void of an open ticket takes it out of the exposure")
    func confirmedAndOpen() throws {
        var desk = try Desk.standard()
        let winner = try Self.placeOffline(&desk, "d", stake: 100)
        let open = try Self.placeOffline(&desk, "f", stake: 100)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        _ = try desk.book.applyVerdict(winner.ticketID, .confirmed, reason: nil, detail: "matches", nowMillis: 1)
        #expect(try desk.book.pay(winner.ticketID, code: Self.code(winner), at: "cashier", nowMillis: 2).tickets.first?.amount == 200)

        _ = try desk.book.applyVerdict(open.ticketID, .voided, reason: "unknown_market", detail: "never published", nowMillis: 3)
        #expect(desk.book.exposure == Exposure() && desk.book.openTicketCount == 0)
        #expect(desk.book.ticket(open.ticketID)?.status == .voided)
    }

    @Test("a refund paid before the verdict stays paid, and the verdict still finds the ticket")
    func refundBeforeVerdict() throws {
        var desk = try Desk.standard()
        let bet = try Self.placeOffline(&desk, "a", stake: 500)
        _ = try desk.book.void(bet.ticketID, by: "staff", reason: "misprint", nowMillis: desk.nowMillis, windowMillis: 60_000)
        _ = try desk.book.pay(bet.ticketID, code: Self.code(bet), at: "cashier", nowMillis: desk.nowMillis)
        #expect(desk.book.ticket(bet.ticketID)?.status == .paid)
        let applied = try desk.book.applyVerdict(bet.ticketID, .voided, reason: "stale_odds", detail: "x", nowMillis: 9)
        #expect(applied.tickets == [TicketChange(ticketID: bet.ticketID, status: .paid, amount: 500, verdict: .voided)])
        #expect(desk.book.ticket(bet.ticketID) == nil)
    }

    @Test("under pay_before_verdict_up_to a small offline win is paid early and says so; a larger one, or with the setting at 0, waits")
    func smallWinPaidBeforeVerdict() throws {
        var desk = try Desk.standard()
        let small = try Self.placeOffline(&desk, "d", stake: 100)
        let large = try Self.placeOffline(&desk, "d", stake: 300)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(desk.book.ticket(small.ticketID)?.amountOwed == 200 && desk.book.ticket(large.ticketID)?.amountOwed == 600)

        for upTo: Int64 in [0, 199] {
            #expect(desk.refusal { desk throws(BookRefusal) in
                _ = try desk.book.pay(small.ticketID, code: Self.code(small), at: "cashier", nowMillis: 1, early: EarlyPayoutLimits(perTicket: upTo, total: 10_000))
            } == .awaitingVerdict(small.ticketID), "up to \(upTo)")
        }
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.pay(large.ticketID, code: Self.code(large), at: "cashier", nowMillis: 1, early: EarlyPayoutLimits(perTicket: 200, total: 10_000))
        } == .awaitingVerdict(large.ticketID))
        let paid = try desk.book.pay(small.ticketID, code: Self.code(small), at: "cashier", nowMillis: 2, early: EarlyPayoutLimits(perTicket: 200, total: 10_000))
        #expect(paid.event == .ticketPaid(TicketPayment(ticketID: small.ticketID, terminalID: "cashier", amount: Money(minorUnits: 200, currency: .gbp),
                                                        atMillis: 2, beforeVerdict: true)))
        #expect(desk.book.ticket(small.ticketID)?.status == .paid && desk.book.ticket(small.ticketID)?.awaitingVerdict == true,
                "kept, so the verdict still finds it")
    }

    @Test("wins paid early are bounded in total, so a large win split over tickets is not paid early; one owed less than its stake waits")
    func earlyPayoutsBoundedInTotal() throws {
        var desk = try Desk.standard()
        let bets = try (0..<3).map { _ in try Self.placeOffline(&desk, "d", stake: 100) } // each owed 200, 100 above its stake
        let deadHeat = try Self.placeOffline(&desk, "a", stake: 100)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .deadHeat(numerator: 1, denominator: 4)]))
        let owed = try #require(desk.book.ticket(deadHeat.ticketID)?.amountOwed)
        #expect(desk.book.ticket(deadHeat.ticketID)?.status == .won && owed < 100, "a dead heat at 3.0 among four: \(owed)")

        let early = EarlyPayoutLimits(perTicket: 500, total: 200)
        for bet in bets.prefix(2) { _ = try desk.book.pay(bet.ticketID, code: Self.code(bet), at: "cashier", nowMillis: 1, early: early) }
        #expect(desk.book.paidBeforeVerdictAtRisk == 200)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.pay(bets[2].ticketID, code: Self.code(bets[2]), at: "cashier", nowMillis: 2, early: early)
        } == .awaitingVerdict(bets[2].ticketID), "the third would take the total past 2.00")
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.pay(deadHeat.ticketID, code: Self.code(deadHeat), at: "cashier", nowMillis: 2, early: early)
        } == .awaitingVerdict(deadHeat.ticketID), "a void would owe the whole stake back")

        // A verdict on one of them frees its part of the total.
        _ = try desk.book.applyVerdict(bets[0].ticketID, .confirmed, reason: nil, detail: "ok", nowMillis: 3)
        _ = try desk.book.pay(bets[2].ticketID, code: Self.code(bets[2]), at: "cashier", nowMillis: 4, early: early)
        #expect(desk.book.paidBeforeVerdictAtRisk == 200)
    }

    @Test("a void verdict on a win paid early says what was paid above the stake; a confirmation, or a void of a refund, says nothing")
    func verdictAfterEarlyPayout() throws {
        var desk = try Desk.standard()
        let voided = try Self.placeOffline(&desk, "d", stake: 100)
        let confirmed = try Self.placeOffline(&desk, "d", stake: 50)
        let refunded = try Self.placeOffline(&desk, "f", stake: 70)
        _ = try desk.book.void(refunded.ticketID, by: "staff", reason: "misprint", nowMillis: desk.nowMillis, windowMillis: 60_000)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        for bet in [voided, confirmed, refunded] {
            _ = try desk.book.pay(bet.ticketID, code: Self.code(bet), at: "cashier", nowMillis: 3, early: EarlyPayoutLimits(perTicket: 500, total: 10_000))
        }

        let void = try desk.book.applyVerdict(voided.ticketID, .voided, reason: "market_resulted", detail: "after the result", nowMillis: 4)
        guard case .verdictApplied(let verdict) = void.event else { Issue.record("\(void.event)"); return }
        #expect(verdict.overpaid == Money(minorUnits: 100, currency: .gbp) && verdict.amountOwed.minorUnits == 200)
        #expect(void.tickets == [TicketChange(ticketID: voided.ticketID, status: .paid, amount: 200, verdict: .voided)])
        #expect(desk.book.ticket(voided.ticketID) == nil)
        for (bet, decision) in [(confirmed, VerdictDecision.confirmed), (refunded, .voided)] {
            guard case .verdictApplied(let other) = try desk.book.applyVerdict(bet.ticketID, decision, reason: nil, detail: "-", nowMillis: 5).event
            else { Issue.record("no verdict"); continue }
            #expect(other.overpaid == nil, "\(bet.ticketID) \(decision)")
        }
    }

    @Test("a second delivery, a verdict for an online bet and one for an unknown ticket are refused and change nothing")
    func refusals() throws {
        var desk = try Desk.standard()
        let offline = try Self.placeOffline(&desk, "a", stake: 100)
        let online = try desk.place(.single, ["b"], stake: 100)
        _ = try desk.book.applyVerdict(offline.ticketID, .confirmed, reason: nil, detail: "ok", nowMillis: 1)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.applyVerdict(offline.ticketID, .voided, reason: "stale_odds", detail: "late", nowMillis: 2)
        } == .noVerdictAwaited(offline.ticketID))
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.applyVerdict(online.ticketID, .voided, reason: nil, detail: "?", nowMillis: 2)
        } == .noVerdictAwaited(online.ticketID))
        let nobody = Fixture.ticket(4_242)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.applyVerdict(nobody, .confirmed, reason: nil, detail: "?", nowMillis: 2)
        } == .unknownTicket(nobody))
    }

    @Test("replaying the facts gives back the same book, verdicts included; restoring from stored state does too")
    func replayAndRestore() throws {
        var desk = Desk()
        var facts: [LedgerEvent] = []
        for market in [Fixture.market("race1", event: "e1", [("a", price(3)), ("b", price(5, 2))]),
                       Fixture.market("race2", event: "e2", [("d", price(2))])] {
            facts.append(try desk.book.publish(market).event)
        }
        let stale = try Self.placeOffline(&desk, "a", stake: 200)
        let loser = try Self.placeOffline(&desk, "b", stake: 300)
        let open = try Self.placeOffline(&desk, "d", stake: 100)
        facts.append(contentsOf: [stale, loser, open].map { .betPlaced($0) })
        let result = MarketResult(marketID: "race1", outcomes: ["a": .win])
        facts.append(try desk.book.result(result).event)
        facts.append(try desk.book.applyVerdict(stale.ticketID, .voided, reason: "stale_odds", detail: "x", nowMillis: 7).event)

        var replayed = Book.forReplay(currency: .gbp)
        for fact in facts { try replayed.replay(fact) }
        #expect(replayed.tickets == desk.book.tickets && replayed.exposure == desk.book.exposure)
        #expect(replayed.ticket(loser.ticketID)?.awaitingVerdict == true && replayed.ticket(loser.ticketID)?.status == .lost)

        // Restored tickets carry no per-leg outcomes once settled, so they are compared by standing.
        var restored = Book.forReplay(currency: .gbp)
        try restored.restore(markets: Array(desk.book.board.markets.values), results: [result],
                             tickets: [StoredTicket(bet: stale, status: .voided, amountOwed: 200),
                                       StoredTicket(bet: loser, status: .lost, amountOwed: 0, awaitingVerdict: true),
                                       StoredTicket(bet: open, status: .open, amountOwed: 0, awaitingVerdict: true)])
        #expect(Self.standing(restored) == Self.standing(desk.book) && restored.exposure == desk.book.exposure)

        // A win paid before its verdict, which then voids it: the payment and the verdict replay.
        let paidEarly = try Self.placeOffline(&desk, "d", stake: 100)
        facts.append(.betPlaced(paidEarly))
        facts.append(try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win])).event)
        facts.append(try desk.book.pay(paidEarly.ticketID, code: Self.code(paidEarly), at: "cashier", nowMillis: 8, early: EarlyPayoutLimits(perTicket: 200, total: 10_000)).event)
        facts.append(try desk.book.applyVerdict(paidEarly.ticketID, .voided, reason: "stale_odds", detail: "y", nowMillis: 9).event)
        var replayedAgain = Book.forReplay(currency: .gbp)
        for fact in facts { try replayedAgain.replay(fact) }
        #expect(replayedAgain.tickets == desk.book.tickets && replayedAgain.exposure == desk.book.exposure)
    }

    private static func standing(_ book: Book) -> [TicketID: String] {
        book.tickets.mapValues { "\($0.status) \($0.amountOwed) awaiting=\($0.awaitingVerdict)" }
    }
}
