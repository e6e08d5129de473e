import Testing
@testable import Wagering

/// Generous limits with one changed.
func limits(_ change: (inout BettingLimits) -> Void) -> BettingLimits {
    var limits = Fixture.generousLimits
    change(&limits)
    return limits
}

func expectedBreach(_ kind: LimitKind, limit: Int64, attempted: Int64, subject: String? = nil) -> LimitBreach {
    LimitBreach(limit: kind, limitAmount: gbp(limit), attempted: gbp(attempted), subject: subject)
}

@Suite("Book: every limit refuses with its kind, amount and the attempted amount")
struct BookLimitTests {
    @Test("minimum stake per line, judged per line for system bets")
    func minStakePerLine() throws {
        var desk = try Desk.standard(limits: limits { $0.minStakePerLine = 50 })
        let single = try desk.request(.single, legs: desk.legs(["a"]), stake: 49)
        #expect(desk.breach(single) == expectedBreach(.minStakePerLine, limit: 50, attempted: 49))
        let yankee = try desk.request(.system(.yankee), legs: desk.legs(["a", "d", "f", "x0"]), stake: 40)
        #expect(desk.breach(yankee) == expectedBreach(.minStakePerLine, limit: 50, attempted: 40))
        try desk.place(.single, ["a"], stake: 50)
        try desk.place(.system(.yankee), ["a", "d", "f", "x0"], stake: 50)
    }

    @Test("maximum total stake per bet counts every line")
    func maxStakePerBet() throws {
        var desk = try Desk.standard(limits: limits { $0.maxStakePerBet = 1_000 })
        let yankee = try desk.request(.system(.yankee), legs: desk.legs(["a", "d", "f", "x0"]), stake: 100)
        #expect(desk.breach(yankee) == expectedBreach(.maxStakePerBet, limit: 1_000, attempted: 1_100))
        let single = try desk.request(.single, legs: desk.legs(["a"]), stake: 1_001)
        #expect(desk.breach(single) == expectedBreach(.maxStakePerBet, limit: 1_000, attempted: 1_001))
        try desk.place(.single, ["a"], stake: 1_000)
    }

    @Test("a terminal's own maximum stake applies to that terminal only")
    func terminalMaxStakePerBet() throws {
        var desk = try Desk.standard(limits: limits {
            $0.terminalOverrides["kiosk"] = TerminalLimits(maxStakePerBet: 500, maxOpenStake: 1_000_000)
        })
        let atKiosk = try desk.request(.single, legs: desk.legs(["a"]), stake: 600, terminal: "kiosk")
        #expect(desk.breach(atKiosk) == expectedBreach(.terminalMaxStakePerBet, limit: 500, attempted: 600))
        try desk.place(.single, ["a"], stake: 600, terminal: "counter")
        try desk.place(.single, ["a"], stake: 500, terminal: "kiosk")
        #expect(desk.book.limits.terminal("kiosk").maxStakePerBet == 500)
        #expect(desk.book.limits.terminal("counter") == Fixture.generousLimits.terminalDefaults)
    }

    @Test("maximum payout is the return if every leg wins")
    func maxPayoutPerBet() throws {
        var desk = try Desk.standard(limits: limits { $0.maxPayoutPerBet = 10_000 })
        let single = try desk.request(.single, legs: desk.legs(["c"]), stake: 1_500)
        #expect(desk.breach(single) == expectedBreach(.maxPayoutPerBet, limit: 10_000, attempted: 10_500))
        // 3.0 x 2.0 x 19/8 = 14.25 per unit.
        let treble = try desk.request(.accumulator, legs: desk.legs(["a", "d", "f"]), stake: 800)
        #expect(desk.breach(treble) == expectedBreach(.maxPayoutPerBet, limit: 10_000, attempted: 11_400))
        try desk.place(.single, ["c"], stake: 1_428) // 9996
        try desk.place(.accumulator, ["a", "d", "f"], stake: 701) // 9989.25 -> 9989
    }

    @Test("selection liability adds this bet's returns less its stakes to what is already open")
    func maxLiabilityPerSelection() throws {
        var desk = try Desk.standard(limits: limits { $0.maxLiabilityPerSelection = 5_000 })
        try desk.place(.single, ["a"], stake: 1_000) // a: 3000 - 1000 = 2000
        let more = try desk.request(.single, legs: desk.legs(["a"]), stake: 1_600) // +4800 - 1600
        #expect(desk.breach(more) == expectedBreach(.maxLiabilityPerSelection, limit: 5_000, attempted: 5_200, subject: "a"))
        // A double's line counts in full on each of its selections: 700 x 2.0 x 3.0 = 4200, less 700.
        let double = try desk.request(.accumulator, legs: desk.legs(["d", "a"]), stake: 700)
        #expect(desk.breach(double) == expectedBreach(.maxLiabilityPerSelection, limit: 5_000, attempted: 5_500, subject: "a"))
        try desk.place(.single, ["a"], stake: 1_500) // exactly 5000: at the limit is allowed
        #expect(desk.book.exposure.selectionLiability("a") == 5_000)
        let oneMore = try desk.request(.single, legs: desk.legs(["a"]), stake: 1)
        #expect(desk.breach(oneMore) == expectedBreach(.maxLiabilityPerSelection, limit: 5_000, attempted: 5_002, subject: "a"))
    }

    @Test("market liability is the worst selection's returns less every single stake kept on the market")
    func maxLiabilityPerMarket() throws {
        var desk = try Desk.standard(limits: limits { $0.maxLiabilityPerMarket = 3_000 })
        let big = try desk.request(.single, legs: desk.legs(["a"]), stake: 2_000) // 6000 - 2000
        #expect(desk.breach(big) == expectedBreach(.maxLiabilityPerMarket, limit: 3_000, attempted: 4_000, subject: "race1"))
        try desk.place(.single, ["a"], stake: 1_000) // worst 3000 - 1000 = 2000
        try desk.place(.single, ["b"], stake: 1_000) // worst max(3000, 2500) - 2000 = 1000
        let market = try #require(desk.book.board.market("race1"))
        #expect(desk.book.exposure.marketLiability(market) == 1_000)
        let onA = try desk.request(.single, legs: desk.legs(["a"]), stake: 1_500) // 7500 - 3500
        #expect(desk.breach(onA) == expectedBreach(.maxLiabilityPerMarket, limit: 3_000, attempted: 4_000, subject: "race1"))
        try desk.place(.single, ["a"], stake: 1_000) // 6000 - 3000 = 3000: at the limit
    }

    @Test("a multiple's line counts on its markets without being a kept single stake")
    func marketLiabilityOfMultiples() throws {
        var desk = try Desk.standard(limits: limits { $0.maxLiabilityPerMarket = 2_500 })
        try desk.place(.single, ["b"], stake: 1_000) // race1: 2500 - 1000 = 1500
        // a x d at 500: 3000 on a and on d. race1: max(3000, 2500) - 1000 = 2000; race2: 3000 - 0.
        let double = try desk.request(.accumulator, legs: desk.legs(["a", "d"]), stake: 500)
        #expect(desk.breach(double) == expectedBreach(.maxLiabilityPerMarket, limit: 2_500, attempted: 3_000, subject: "race2"))
        try desk.place(.accumulator, ["a", "d"], stake: 400) // race2: 2400
    }

    @Test("a terminal's open stake counts its unsettled bets and frees up when they close")
    func terminalMaxOpenStake() throws {
        var desk = try Desk.standard(limits: limits { $0.terminalDefaults.maxOpenStake = 3_000 })
        let first = try desk.place(.single, ["a"], stake: 2_000)
        let second = try desk.request(.single, legs: desk.legs(["d"]), stake: 1_500)
        #expect(desk.breach(second) == expectedBreach(.terminalMaxOpenStake, limit: 3_000, attempted: 3_500, subject: "T1"))
        let yankee = try desk.request(.system(.yankee), legs: desk.legs(["a", "d", "f", "x0"]), stake: 100)
        #expect(desk.breach(yankee) == expectedBreach(.terminalMaxOpenStake, limit: 3_000, attempted: 3_100, subject: "T1"))
        try desk.place(.single, ["d"], stake: 1_500, terminal: "T2")
        _ = try desk.book.void(first.ticketID, by: "staff", reason: "customer changed mind", nowMillis: desk.nowMillis,
                               windowMillis: 60_000)
        #expect(desk.book.openStake(of: "T1") == 0)
        try desk.place(.single, ["d"], stake: 1_500)
        try desk.place(.single, ["e"], stake: 1_500)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(desk.book.openStake(of: "T1") == 0, "settled bets are no longer open")
        #expect(desk.book.openStake(of: "T2") == 0)
    }

    @Test("tickets open or awaiting payout are capped; lost and paid tickets free their place")
    func maxOpenTickets() throws {
        var desk = try Desk.standard(maxOpenTickets: 2)
        try desk.place(.single, ["a"], stake: 100)
        let onD = try desk.place(.single, ["d"], stake: 100)
        let third = try desk.request(.single, legs: desk.legs(["f"]), stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(third) } == .ticketCapReached(held: 2, limit: 2))
        // d won: the ticket is no longer open but still held until it is paid (docs/wagering.md,
        // docs/adr/0001: the book's size is bounded by maxOpenTickets).
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        #expect(desk.book.openTicketCount == 1)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(third) } == .ticketCapReached(held: 2, limit: 2))
        _ = try desk.book.pay(onD.ticketID, code: Fixture.code(onD.ticketID.serial).digest, at: "T1", nowMillis: 0)
        let onF = try desk.place(third)
        // A voided ticket awaits its refund, so it still counts.
        _ = try desk.book.void(onF.ticketID, by: "staff", reason: "x", nowMillis: desk.nowMillis, windowMillis: 1_000)
        let fourth = try desk.request(.single, legs: desk.legs(["g"]), stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in _ = try desk.place(fourth) } == .ticketCapReached(held: 2, limit: 2))
        // A lost ticket leaves the book at once.
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["b": .win]))
        try desk.place(fourth)
        #expect(desk.book.tickets.count == 2)
    }

    @Test("stake limits are checked before payout, liability and terminal limits")
    func limitOrder() throws {
        var desk = try Desk.standard(limits: limits {
            $0.minStakePerLine = 10
            $0.maxStakePerBet = 1_000
            $0.maxPayoutPerBet = 1_000
            $0.maxLiabilityPerSelection = 100
            $0.maxLiabilityPerMarket = 100
            $0.terminalDefaults = TerminalLimits(maxStakePerBet: 900, maxOpenStake: 100)
        })
        let everything = try desk.request(.single, legs: desk.legs(["c"]), stake: 2_000)
        #expect(desk.breach(everything)?.limit == .maxStakePerBet)
        let terminal = try desk.request(.single, legs: desk.legs(["c"]), stake: 950)
        #expect(desk.breach(terminal)?.limit == .terminalMaxStakePerBet)
        let payout = try desk.request(.single, legs: desk.legs(["c"]), stake: 800)
        #expect(desk.breach(payout)?.limit == .maxPayoutPerBet)
        let liability = try desk.request(.single, legs: desk.legs(["c"]), stake: 100)
        #expect(desk.breach(liability)?.limit == .maxLiabilityPerSelection)
        let tiny = try desk.request(.single, legs: desk.legs(["c"]), stake: 5)
        #expect(desk.breach(tiny)?.limit == .minStakePerLine)
    }

    @Test("changing the book's limits applies to the next bet")
    func limitsCanChange() throws {
        var desk = try Desk.standard()
        try desk.place(.single, ["a"], stake: 5_000)
        desk.book.limits.maxStakePerBet = 4_000
        let again = try desk.request(.single, legs: desk.legs(["a"]), stake: 5_000)
        #expect(desk.breach(again) == expectedBreach(.maxStakePerBet, limit: 4_000, attempted: 5_000))
    }

    @Test("a breach describes itself with the limit's name, subject and amounts")
    func breachDescription() {
        let breach = expectedBreach(.maxLiabilityPerSelection, limit: 5_000, attempted: 5_200, subject: "a")
        #expect(breach.description == "max_liability_per_selection on a: limit 50.00 GBP, this bet would make it 52.00 GBP")
        #expect(BookRefusal.limit(breach).description.contains("max_liability_per_selection"))
    }
}
