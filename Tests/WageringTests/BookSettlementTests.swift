import Testing
@testable import Wagering

@Suite("Book: settlement, voids and payment")
struct BookSettlementTests {
    static let window: Int64 = 120_000

    @Test("a winning single is owed floor(stake x odds) and leaves the exposure")
    func winningSingle() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["f"], stake: 333) // 333 x 19/8 = 790.875
        let applied = try desk.book.result(MarketResult(marketID: "match3", outcomes: ["f": .win]))
        #expect(applied.event == .marketResulted(MarketResult(marketID: "match3", outcomes: ["f": .win])))
        #expect(applied.tickets == [TicketChange(ticketID: bet.ticketID, status: .won, amount: 790)])
        let state = try #require(desk.book.ticket(bet.ticketID))
        #expect(state.status == .won)
        #expect(state.amountOwed == 790)
        #expect(state.outcomes == [.win])
        #expect(desk.book.board.market("match3")?.status == .settled)
        #expect(desk.book.exposure == Exposure())
        #expect(desk.book.openTicketCount == 0)
        #expect(desk.book.openStake(of: "T1") == 0)
    }

    @Test("a losing single is settled for nothing and leaves the book")
    func losingSingle() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["g"], stake: 500)
        let applied = try desk.book.result(MarketResult(marketID: "match3", outcomes: ["f": .win]))
        #expect(applied.tickets == [TicketChange(ticketID: bet.ticketID, status: .lost, amount: 0)])
        #expect(desk.book.ticket(bet.ticketID) == nil, "lost tickets leave the book")
        #expect(desk.book.exposure == Exposure())
    }

    /// 500 on 19/8 under each outcome.
    static let singleCases: [(Outcome, Int64)] = [
        (.void, 500), (.deadHeat(numerator: 1, denominator: 2), 593), // 500 x 19/8 / 2 = 593.75
        (.deadHeat(numerator: 1, denominator: 3), 395), (.win, 1_187), (.lose, 0),
    ]

    @Test("outcomes of a single: void refunds the stake, dead heat 1/2 pays half at full odds", arguments: singleCases)
    func singleOutcomes(_ outcome: Outcome, _ owed: Int64) throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["f"], stake: 500)
        let applied = try desk.book.result(MarketResult(marketID: "match3", outcomes: ["f": outcome]))
        #expect(applied.tickets == [TicketChange(ticketID: bet.ticketID, status: owed > 0 ? .won : .lost, amount: owed)])
        #expect(desk.book.ticket(bet.ticketID)?.amountOwed == (owed > 0 ? owed : nil))
    }

    @Test("a withdrawn selection settles void; selections left out of the result lose")
    func withdrawnSettlesVoid() throws {
        var desk = try Desk.standard()
        let onA = try desk.place(.single, ["a"], stake: 400)
        let onB = try desk.place(.single, ["b"], stake: 400)
        _ = try desk.book.withdraw("a")
        let applied = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["c": .win]))
        #expect(Set(applied.tickets) == [TicketChange(ticketID: onA.ticketID, status: .won, amount: 400),
                                         TicketChange(ticketID: onB.ticketID, status: .lost, amount: 0)])
        #expect(desk.book.ticket(onA.ticketID)?.outcomes == [.void])
    }

    @Test("an accumulator stays open until its last leg is resulted; void legs count at odds 1")
    func accumulatorWithVoidLeg() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.accumulator, ["a", "d", "f"], stake: 100) // potential 1425
        let first = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        #expect(first.tickets.isEmpty)
        #expect(desk.book.ticket(bet.ticketID)?.status == .open)
        #expect(desk.book.ticket(bet.ticketID)?.outcomes == [.win, nil, nil])
        #expect(desk.book.exposure.selectionLiability("d") == 1_325, "still exposed until settled")
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .void]))
        let last = try desk.book.result(MarketResult(marketID: "match3", outcomes: ["f": .win]))
        // 100 x 3 x 1 x 19/8 = 712.5
        #expect(last.tickets == [TicketChange(ticketID: bet.ticketID, status: .won, amount: 712)])
        #expect(desk.book.exposure == Exposure())
    }

    @Test("one losing leg settles an accumulator as lost at once, though other legs are unresulted")
    func accumulatorLosesEarly() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.accumulator, ["a", "d"], stake: 100)
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["b": .win]))
        // Settlement waits for every leg: the ticket is still open, its return already certain to be 0.
        #expect(desk.book.ticket(bet.ticketID)?.status == .open)
        let last = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(last.tickets == [TicketChange(ticketID: bet.ticketID, status: .lost, amount: 0)])
    }

    @Test("system bets settle every line: void legs at odds 1, losers zero their lines")
    func systemSettlement() throws {
        var desk = try Desk.standard()
        // Trixie on a 3.0, d 2.0, x0 3/2 at 1.00 a line, d void: ad 3, ax0 4.5, dx0 1.5, adx0 4.5 = 13.50
        let trixie = try desk.place(.system(.trixie), ["a", "d", "x0"], stake: 100)
        // Patent on c 7.0 (lost), e 4.0 (withdrawn, so void), x1 3/2: singles 0 + 1 + 1.5, double ex1 1.5 = 4.00
        let patent = try desk.place(.system(.patent), ["c", "e", "x1"], stake: 100)
        _ = try desk.book.withdraw("e")
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .void]))
        _ = try desk.book.result(MarketResult(marketID: "leg0", outcomes: ["x0": .win]))
        _ = try desk.book.result(MarketResult(marketID: "leg1", outcomes: ["x1": .win]))
        #expect(desk.book.ticket(trixie.ticketID)?.amountOwed == 1_350)
        #expect(desk.book.ticket(patent.ticketID)?.outcomes == [.lose, .void, .win])
        #expect(desk.book.ticket(patent.ticketID)?.amountOwed == 400)
        #expect(desk.book.exposure == Exposure())
    }

    @Test("invalid results are refused and change nothing")
    func invalidResults() throws {
        var desk = try Desk.standard()
        try desk.place(.single, ["a"], stake: 100)
        let badDeadHeat = MarketResult(marketID: "race1", outcomes: ["a": .deadHeat(numerator: 2, denominator: 2)])
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.result(badDeadHeat) }
                == .outcome(.invalidDeadHeat(numerator: 2, denominator: 2)))
        let foreign = MarketResult(marketID: "race1", outcomes: ["d": .win])
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.result(foreign) }
                == .resultNamesForeignSelection("d", "race1"))
        let unknown = MarketResult(marketID: "nope", outcomes: [:])
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.result(unknown) } == .board(.unknownMarket("nope")))
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        let twice = MarketResult(marketID: "race1", outcomes: ["b": .win])
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.result(twice) }
                == .board(.marketAlreadySettled("race1")))
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.withdraw("b") }
                == .board(.marketAlreadySettled("race1")))
    }

    // MARK: Payment

    @Test("a won ticket is paid once, to the holder of its code")
    func payOnce() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["d"], stake: 250)
        let serial = bet.ticketID.serial
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        let wrongCode = Fixture.code(serial + 1).digest
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.pay(bet.ticketID, code: wrongCode, at: "T9", nowMillis: 9) }
                == .securityCodeMismatch(bet.ticketID))
        let applied = try desk.book.pay(bet.ticketID, code: Fixture.code(serial).digest, at: "T9", nowMillis: 9_000)
        #expect(applied.event == .ticketPaid(TicketPayment(ticketID: bet.ticketID, terminalID: "T9", amount: gbp(500), atMillis: 9_000)))
        #expect(applied.tickets == [TicketChange(ticketID: bet.ticketID, status: .paid, amount: 500)])
        #expect(desk.book.ticket(bet.ticketID) == nil)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.pay(bet.ticketID, code: Fixture.code(serial).digest, at: "T9", nowMillis: 9_001)
        } == .unknownTicket(bet.ticketID))
    }

    @Test("open tickets are not payable; lost and unknown tickets are not on the book")
    func notPayable() throws {
        var desk = try Desk.standard()
        let open = try desk.place(.single, ["a"], stake: 100)
        let code = Fixture.code(open.ticketID.serial).digest
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.pay(open.ticketID, code: code, at: "T1", nowMillis: 1) }
                == .ticketNotPayable(open.ticketID, .open))
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["b": .win]))
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.pay(open.ticketID, code: code, at: "T1", nowMillis: 1) }
                == .unknownTicket(open.ticketID))
    }

    // MARK: Voids

    @Test("staff void within the window refunds the stake, which is then payable once")
    func voidWithinWindow() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.system(.trixie), ["a", "d", "f"], stake: 100)
        let applied = try desk.book.void(bet.ticketID, by: "staff", reason: "misprint", nowMillis: desk.nowMillis + Self.window,
                                         windowMillis: Self.window)
        #expect(applied.event == .ticketVoided(TicketVoid(ticketID: bet.ticketID, terminalID: "staff", reason: "misprint",
                                                          refund: gbp(400), atMillis: desk.nowMillis + Self.window)))
        #expect(applied.tickets == [TicketChange(ticketID: bet.ticketID, status: .voided, amount: 400)])
        #expect(desk.book.ticket(bet.ticketID)?.status == .voided)
        #expect(desk.book.exposure == Exposure())
        #expect(desk.book.openTicketCount == 0)
        // Resulting its markets later changes nothing for it.
        let later = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        #expect(later.tickets.isEmpty)
        let code = Fixture.code(bet.ticketID.serial).digest
        let paid = try desk.book.pay(bet.ticketID, code: code, at: "T1", nowMillis: 0)
        #expect(paid.tickets == [TicketChange(ticketID: bet.ticketID, status: .paid, amount: 400)])
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.book.pay(bet.ticketID, code: code, at: "T1", nowMillis: 0) }
                == .unknownTicket(bet.ticketID))
    }

    @Test("a void after the window, of a settled ticket, twice, or of an unknown ticket is refused")
    func voidRefusals() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["a"], stake: 100)
        let placedAt = desk.nowMillis
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(bet.ticketID, by: "staff", reason: "late", nowMillis: placedAt + Self.window + 1, windowMillis: Self.window)
        } == .voidWindowPassed(bet.ticketID, placedAtMillis: placedAt, windowMillis: Self.window))
        _ = try desk.book.void(bet.ticketID, by: "staff", reason: "ok", nowMillis: placedAt, windowMillis: Self.window)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(bet.ticketID, by: "staff", reason: "again", nowMillis: placedAt, windowMillis: Self.window)
        } == .ticketNotOpen(bet.ticketID, .voided))

        let won = try desk.place(.single, ["d"], stake: 100)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(won.ticketID, by: "staff", reason: "x", nowMillis: placedAt, windowMillis: Self.window)
        } == .ticketNotOpen(won.ticketID, .won))
        let nobody = Fixture.ticket(999)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(nobody, by: "staff", reason: "x", nowMillis: placedAt, windowMillis: Self.window)
        } == .unknownTicket(nobody))
    }

    @Test("a significant event is journaled and changes nothing")
    func significantEvent() throws {
        var desk = try Desk.standard()
        try desk.place(.single, ["a"], stake: 100)
        let before = desk.book.snapshot
        let event = SignificantEvent(category: "power.on_battery", message: "mains lost", atMillis: 5)
        let applied = desk.book.record(event)
        #expect(applied.event == .significant(event))
        #expect(applied.event.kind == "appliance.event")
        #expect(applied.tickets.isEmpty)
        #expect(desk.book.snapshot == before)
    }
}
