import Testing
@testable import Wagering

extension Desk {
    /// A board with:
    /// - race1 (event e1): a 3.0, b 5/2, c 7.0
    /// - race2 (event e2): d 2.0, e 4.0
    /// - match3 (event e3): f 19/8, g 5/3
    /// - scorer and corners (event e1, both allowing same-event multiples): h 4.0, i 6.0 / j 3.0
    /// - leg0 ... leg20 (events x0 ... x20): one selection each, x0 ... x20 at 3/2
    static func standard(limits: BettingLimits = Fixture.generousLimits, maxOpenTickets: Int = 10_000) throws -> Desk {
        var desk = Desk(limits: limits, maxOpenTickets: maxOpenTickets)
        try desk.publish(Fixture.market("race1", event: "e1", [("a", price(3)), ("b", price(5, 2)), ("c", price(7))]))
        try desk.publish(Fixture.market("race2", event: "e2", [("d", price(2)), ("e", price(4))]))
        try desk.publish(Fixture.market("match3", event: "e3", [("f", price(19, 8)), ("g", price(5, 3))]))
        try desk.publish(Fixture.market("scorer", event: "e1", allowsSameEventMultiples: true, [("h", price(4)), ("i", price(6))]))
        try desk.publish(Fixture.market("corners", event: "e1", allowsSameEventMultiples: true, [("j", price(3))]))
        for n in 0...20 {
            try desk.publish(Fixture.market(MarketID(rawValue: "leg\(n)"), event: EventID(rawValue: "x\(n)"),
                                            [(SelectionID(rawValue: "x\(n)"), price(3, 2))]))
        }
        return desk
    }

    static func chain(_ count: Int) -> [SelectionID] { (0..<count).map { SelectionID(rawValue: "x\($0)") } }
}

@Suite("Book: placing bets")
struct BookPlacementTests {
    @Test("a single is struck at the board price and opens a ticket with its exposure")
    func placesSingle() throws {
        var desk = try Desk.standard()
        let request = try desk.request(.single, legs: desk.legs(["f"]), stake: 1_000)
        let applied = try desk.book.place(request, ticketID: Fixture.ticket(77), securityDigest: Fixture.code(77).digest,
                                          nowMillis: 5_000)
        guard case .betPlaced(let bet) = applied.event else {
            Issue.record("expected bet.placed, got \(applied.event)")
            return
        }
        #expect(applied.tickets == [TicketChange(ticketID: Fixture.ticket(77), status: .open, amount: 0)])
        #expect(applied.markets == ["match3"])
        #expect(bet.ticketID == Fixture.ticket(77))
        #expect(bet.terminalID == "T1")
        #expect(bet.idempotencyKey == request.idempotencyKey)
        #expect(bet.requestDigest == request.requestDigest)
        #expect(bet.legs == [PlacedLeg(selectionID: "f", marketID: "match3", eventID: "e3", odds: price(19, 8), priceVersion: 1,
                                       seenOdds: price(19, 8), seenPriceVersion: 1)])
        #expect(bet.totalStake == gbp(1_000))
        #expect(bet.potentialReturn == gbp(2_375))
        #expect(bet.placedAtMillis == 5_000)
        #expect(bet.securityDigest == Fixture.code(77).digest)

        let state = try #require(desk.book.ticket(Fixture.ticket(77)))
        #expect(state.status == .open)
        #expect(state.amountOwed == 0)
        #expect(state.outcomes.isEmpty, "no leg is resulted yet")
        #expect(state.terms.legs == [StruckLeg(selectionID: "f", marketID: "match3", odds: price(19, 8))])
        #expect(state.terms.stakePerLine == 1_000 && state.terms.totalStake == 1_000 && state.terms.placedAtMillis == 5_000)
        #expect(state.terms.securityDigest == Fixture.code(77).digest)
        #expect(desk.book.openTicketCount == 1)
        #expect(desk.book.openStake(of: "T1") == 1_000)
        #expect(desk.book.openStake(of: "T2") == 0)
        #expect(desk.book.exposure.selectionLiability("f") == 1_375)
        #expect(desk.book.exposure.selectionLiability("g") == 0)
        let market = try #require(desk.book.board.market("match3"))
        #expect(desk.book.exposure.marketLiability(market) == 1_375)
    }

    @Test("a second single on another selection of the market offsets the market's liability")
    func singlesOffsetMarketLiability() throws {
        var desk = try Desk.standard()
        try desk.place(.single, ["a"], stake: 1_000)  // returns 3000 if a wins
        try desk.place(.single, ["b"], stake: 1_000)  // returns 2500 if b wins
        let market = try #require(desk.book.board.market("race1"))
        #expect(desk.book.exposure.marketLiability(market) == 3_000 - 2_000)
        #expect(desk.book.exposure.selectionLiability("a") == 2_000)
        #expect(desk.book.exposure.selectionLiability("b") == 1_500)
    }

    @Test("accumulators of 2 to 20 legs are taken at the product of their prices", arguments: [2, 3, 7, 20])
    func placesAccumulators(_ legs: Int) throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.accumulator, Desk.chain(legs), stake: 100)
        #expect(bet.lines == [Array(0..<legs)])
        #expect(bet.totalStake == gbp(100))
        let exact = Ratio(100) * (0..<legs).reduce(Ratio.one) { product, _ in product * Ratio(3, 2) }
        #expect(Int128(bet.potentialReturn.minorUnits) == exact.floor)
        // A multi-leg line counts in full on each selection, but is not a single-line stake.
        let line = bet.potentialReturn.minorUnits
        for selection in Desk.chain(legs) { #expect(desk.book.exposure.selectionLiability(selection) == line - 100) }
        #expect(desk.book.exposure.singleStake.isEmpty)
    }

    @Test("accumulators of 1 and 21 legs are refused")
    func refusesAccumulatorLegCounts() throws {
        var desk = try Desk.standard()
        for count in [1, 21] {
            let request = try desk.request(.accumulator, legs: desk.legs(Desk.chain(count)), stake: 100)
            let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(request) }
            #expect(refusal == .slip(.legCount(kind: .accumulator, allowed: 2...20, got: count)))
        }
    }

    @Test("two legs on one event are refused unless every market involved allows it")
    func sameEventLegs() throws {
        var desk = try Desk.standard()
        // a (race1) and h (scorer) share e1 but race1 does not allow it.
        let refused: [(BetKind, [SelectionID])] = [
            (.accumulator, ["a", "h"]), (.accumulator, ["h", "a", "d"]), (.accumulator, ["a", "b"]),
            (.system(.trixie), ["d", "a", "h"]), (.system(.doubles), ["a", "d", "f", "j"]),
        ]
        for (kind, selections) in refused {
            let request = try desk.request(kind, legs: desk.legs(selections), stake: 100)
            let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(request) }
            #expect(refusal == .slip(.sameEventLegs("e1")), "\(kind.name) on \(selections)")
        }
        // scorer and corners both allow same-event multiples, even within one market.
        try desk.place(.accumulator, ["h", "j"], stake: 100)
        try desk.place(.accumulator, ["h", "i", "j"], stake: 100)
        try desk.place(.system(.trixie), ["h", "j", "d"], stake: 100)
        // Singles are never combined, so one event twice is simply two bets.
        try desk.place(.single, ["a"], stake: 100)
        try desk.place(.single, ["h"], stake: 100)
        #expect(desk.book.openTicketCount == 5)
    }

    static let systemCases: [(SystemBet, [SelectionID], Int)] = [
        (.trixie, ["a", "d", "f"], 4),
        (.patent, ["a", "d", "f"], 7),
        (.yankee, ["a", "d", "f", "x0"], 11),
        (.lucky15, ["a", "d", "f", "x0"], 15),
        (.canadian, ["a", "d", "f", "x0", "x1"], 26),
        (.doubles, ["a", "d", "f", "x0", "x1"], 10),
        (.goliath, ["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"], 247),
    ]

    @Test("system bets take one stake per line", arguments: systemCases)
    func placesSystemBets(_ system: SystemBet, _ selections: [SelectionID], _ lines: Int) throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.system(system), selections, stake: 50)
        #expect(bet.lines.count == lines)
        #expect(bet.totalStake == gbp(50 * Int64(lines)))
        let odds = bet.legs.map { Ratio($0.odds) }
        #expect(Int128(bet.potentialReturn.minorUnits) == referenceReturn(stake: 50, lines: bet.lines, factors: odds))
        #expect(desk.book.openStake(of: "T1") == 50 * Int64(lines))
    }

    @Test("slip problems, unknown selections and foreign currencies are refused")
    func refusesBadSlips() throws {
        var desk = try Desk.standard()
        var legs = try desk.legs(["a", "d"])
        legs[1].selectionID = "a"
        let repeated = desk.request(.accumulator, legs: legs, stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(repeated) } == .slip(.repeatedSelection("a")))
        let zero = try desk.request(.single, legs: desk.legs(["a"]), stake: 0)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(zero) } == .slip(.stakeNotPositive(gbp(0))))
        let unknown = desk.request(.single, legs: [Leg(selectionID: "zz", seenOdds: price(2), seenPriceVersion: 1)], stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(unknown) } == .unknownSelection("zz"))
        let euros = try desk.request(.single, legs: desk.legs(["a"]), stake: 100, currency: .eur)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(euros) } == .currencyMismatch(expected: .gbp, got: .eur))
    }

    @Test("a market that is suspended, closed or settled takes no bets; a withdrawn selection takes none")
    func refusesUnavailableMarkets() throws {
        var desk = try Desk.standard()
        _ = try desk.book.setStatus(of: "race1", to: .suspended)
        let onA = try desk.request(.single, legs: desk.legs(["a"]), stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(onA) } == .marketNotOpen("race1", .suspended))
        _ = try desk.book.setStatus(of: "race1", to: .closed)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(onA) } == .marketNotOpen("race1", .closed))
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(onA) } == .marketNotOpen("race1", .settled))
        // One unavailable leg refuses the whole multiple.
        let multiple = try desk.request(.accumulator, legs: desk.legs(["d", "a"]), stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(multiple) } == .marketNotOpen("race1", .settled))

        _ = try desk.book.withdraw("e")
        let onE = try desk.request(.single, legs: desk.legs(["e"]), stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(onE) } == .selectionWithdrawn("e"))
        // Reopening after a suspension takes bets again.
        _ = try desk.book.setStatus(of: "match3", to: .suspended)
        _ = try desk.book.setStatus(of: "match3", to: .open)
        try desk.place(.single, ["f"], stake: 100)
    }

    @Test("a market cannot be settled by a status change or a publication, only by a result")
    func statusCannotSettle() throws {
        var desk = try Desk.standard()
        try desk.place(.single, ["a"], stake: 100)
        let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.book.setStatus(of: "race1", to: .settled) }
        #expect(refusal == .board(.settledOnlyByResult("race1")))
        var settled = try #require(desk.book.board.market("race1"))
        settled.status = .settled
        let published = desk.refusal { desk throws(BookRefusal) in _ = try desk.book.publish(settled) }
        #expect(published == .board(.settledOnlyByResult("race1")))
        #expect(desk.book.board.market("race1")?.status == .open, "the refused publication changed nothing")
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        #expect(desk.book.openTicketCount == 0, "the result still settles the market and its ticket")
    }

    @Test("amounts beyond 64 bits are refused as out of range")
    func refusesAmountsOutOfRange() throws {
        var desk = try Desk.standard()
        let totalOverflow = try desk.request(.system(.yankee), legs: desk.legs(["a", "d", "f", "x0"]), stake: Int64.max / 5)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(totalOverflow) } == .amountOutOfRange("total stake"))
        let returnOverflow = try desk.request(.single, legs: desk.legs(["d"]), stake: Int64.max / 2 + 1)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(returnOverflow) } == .amountOutOfRange("potential return"))
    }
}

@Suite("Book: no bets after the off")
struct BookStartRuleTests {
    static let start: Int64 = 1_700_000_000_000

    @Test("a pre-match market takes bets until its event's start, and from the start on refuses them, suspended or not")
    func preMatchClosesAtTheStart() throws {
        var desk = try Desk.standard()
        let request = try desk.request(.single, legs: desk.legs(["d"]), stake: 100)
        _ = try desk.book.place(request, ticketID: Fixture.ticket(1), securityDigest: Fixture.code(1).digest, nowMillis: Self.start - 1)
        for (serial, now) in [(2, Self.start), (3, Self.start + 60_000)] {
            let late = try desk.request(.single, legs: desk.legs(["d"]), stake: 100)
            #expect(desk.refusal { desk throws(BookRefusal) in
                _ = try desk.book.place(late, ticketID: Fixture.ticket(UInt64(serial)), securityDigest: Fixture.code(UInt64(serial)).digest,
                                        nowMillis: now)
            } == .eventStarted("race2", startsAtMillis: Self.start))
        }
    }

    @Test("a wall clock stepped back cannot reopen a started market: the later of it and central's time as last heard closes it")
    func centralTimeClosesAStartedMarket() throws {
        var desk = try Desk.standard()
        var request = try desk.request(.single, legs: desk.legs(["d"]), stake: 100)
        request.centralNowMillis = Self.start + 5_000
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.place(request, ticketID: Fixture.ticket(1), securityDigest: Fixture.code(1).digest, nowMillis: Self.start - 3_600_000)
        } == .eventStarted("race2", startsAtMillis: Self.start))
        request.centralNowMillis = Self.start - 1
        _ = try desk.book.place(request, ticketID: Fixture.ticket(2), securityDigest: Fixture.code(2).digest, nowMillis: Self.start - 3_600_000)
        #expect(desk.book.openTicketCount == 1, "before the start by both clocks, the bet is taken")
    }

    @Test("an in-play market takes bets after its event's start")
    func inPlayAfterTheStart() throws {
        var desk = try Desk.standard()
        _ = try desk.book.setStatus(of: "race2", to: .open, inPlay: true)
        let request = try desk.request(.single, legs: desk.legs(["d"]), stake: 100)
        _ = try desk.book.place(request, ticketID: Fixture.ticket(1), securityDigest: Fixture.code(1).digest, nowMillis: Self.start + 60_000)
        #expect(desk.book.openTicketCount == 1)
    }
}
