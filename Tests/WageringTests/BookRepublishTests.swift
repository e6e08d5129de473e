import Testing
@testable import Wagering

@Suite("Book: republishing a market with open bets")
struct BookRepublishTests {
    @Test("dropping a selection that open bets are on is refused; withdrawing it settles them void")
    func droppedSelectionWithOpenBets() throws {
        var desk = try Desk.standard()
        let bet = try desk.place(.single, ["b"], stake: 400)
        let withoutB = Fixture.market("race1", event: "e1", [("a", price(3)), ("c", price(7))])
        let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.book.publish(withoutB) }
        #expect(refusal == .selectionHasOpenBets("b"))

        _ = try desk.book.withdraw("b")
        _ = try desk.book.result(MarketResult(marketID: "race1", outcomes: ["a": .win]))
        // A void leg counts at odds 1: the stake comes back as the settled return.
        #expect(desk.book.ticket(bet.ticketID)?.status == .won)
        #expect(desk.book.ticket(bet.ticketID)?.amountOwed == 400)
    }

    @Test("dropping a selection nobody bet on is allowed")
    func droppedSelectionWithoutBets() throws {
        var desk = try Desk.standard()
        try desk.place(.single, ["a"], stake: 400)
        _ = try desk.book.publish(Fixture.market("race1", event: "e1", [("a", price(3)), ("b", price(5, 2))]))
        #expect(desk.book.board.market("race1")?.selection("c") == nil)
    }
}
