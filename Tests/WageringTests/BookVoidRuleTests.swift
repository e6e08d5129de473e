import Testing
@testable import Wagering

/// A staff void is a refund: it must stop once any leg's outcome may be known (issue 24, hole 5),
/// while central's verdict voids whenever it arrives.
@Suite("Book: staff voids stop once a leg is underway")
struct BookVoidRuleTests {
    static let window: Int64 = 300_000

    /// race1 and race2 at the standard desk; race1's event starts at `start`.
    private static func desk(race1StartsAt start: Int64) throws -> Desk {
        var desk = try Desk.standard()
        var race1 = try #require(desk.book.board.market("race1"))
        race1.event.startsAtMillis = start
        try desk.publish(race1)
        return desk
    }

    @Test("a double whose first leg is resulted cannot be voided by staff, though the ticket is still open")
    func resultedLeg() throws {
        var desk = try Desk.standard()
        let double = try desk.place(.accumulator, ["d", "f"], stake: 100)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .lose]))
        #expect(desk.book.ticket(double.ticketID)?.status == .open)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(double.ticketID, by: "staff", reason: "changed mind", nowMillis: desk.nowMillis, windowMillis: Self.window)
        } == .legUnderway(double.ticketID, "race2", .resulted))
    }

    @Test("a leg's market closed, suspended or in play refuses a staff void", arguments: [
        (MarketStatus.closed, false, LegProgress.closed), (.suspended, false, .suspended), (.open, true, .inPlay),
    ])
    func closedSuspendedOrInPlay(status: MarketStatus, inPlay: Bool, progress: LegProgress) throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["d"], stake: 100)
        _ = try desk.book.setStatus(of: "race2", to: status, inPlay: inPlay)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(bet.ticketID, by: "staff", reason: "x", nowMillis: desk.nowMillis, windowMillis: Self.window)
        } == .legUnderway(bet.ticketID, "race2", progress))
    }

    @Test("once the event has started, by the clock, a staff void is refused even inside the window")
    func eventStarted() throws {
        var desk = try Self.desk(race1StartsAt: 1_000_000 + 60_000)
        let bet = try desk.place(.single, ["a"], stake: 100)
        let justBefore = try desk.book.void(bet.ticketID, by: "staff", reason: "misprint", nowMillis: 1_000_000 + 59_999,
                                            windowMillis: Self.window)
        #expect(justBefore.tickets.first?.status == .voided)

        let second = try desk.place(.single, ["a"], stake: 100)
        #expect(desk.refusal { desk throws(BookRefusal) in
            _ = try desk.book.void(second.ticketID, by: "staff", reason: "too late", nowMillis: 1_000_000 + 60_000, windowMillis: Self.window)
        } == .legUnderway(second.ticketID, "race1", .eventStarted(atMillis: 1_000_000 + 60_000)))
    }

    @Test("central's verdict voids an open offline ticket whose legs are underway")
    func verdictVoid() throws {
        var desk = try Desk.standard()
        var request = try desk.request(.accumulator, legs: desk.legs(["d", "f"]), stake: 100)
        request.offline = OfflineTerms(maxStakePerBet: 1_000, maxLiability: 1_000_000, maxBets: 10)
        let double = try desk.place(request)
        _ = try desk.book.result(MarketResult(marketID: "race2", outcomes: ["d": .win]))
        let voided = try desk.book.applyVerdict(double.ticketID, .voided, reason: "stale_odds", detail: "x", nowMillis: 5)
        #expect(voided.tickets == [TicketChange(ticketID: double.ticketID, status: .voided, amount: 100, verdict: .voided)])
        #expect(desk.book.exposure == Exposure())
    }
}
