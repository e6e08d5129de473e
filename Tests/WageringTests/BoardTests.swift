import Testing
@testable import Wagering

@Suite("Board: markets, price versions and statuses")
struct BoardTests {
    static let race = Fixture.market("race", event: "e1", [("a", price(3)), ("b", price(5, 2)), ("c", price(7))])

    @Test("publishing assigns version 1 to every price and indexes selections")
    func publishAssignsVersions() throws {
        var board = Board()
        var market = Self.race
        market.selections[0].priceVersion = 99 // whatever the feed says, the board assigns versions
        let stored = try board.publish(market)
        #expect(stored.selections.map(\.priceVersion) == [1, 1, 1])
        #expect(board.market("race") == stored)
        #expect(board.market(containing: "b")?.id == "race")
        #expect(board.market(containing: "zzz") == nil)
    }

    @Test("republishing keeps unchanged versions, bumps changed ones, and starts new selections at 1")
    func republishVersions() throws {
        var board = Board()
        try board.publish(Self.race)
        try board.changePrice(of: "a", to: price(4)) // a: v2
        var next = Self.race
        next.selections[0].odds = price(4) // unchanged from the board's v2
        next.selections[1].odds = price(3) // changed: v2
        next.selections[2] = Selection(id: "d", name: "new", odds: price(9)) // c dropped, d new
        let stored = try board.publish(next)
        #expect(stored.selections.map(\.priceVersion) == [2, 2, 1])
        #expect(board.market(containing: "c") == nil, "a dropped selection leaves the index")
        #expect(board.market(containing: "d")?.id == "race")
    }

    @Test("a price change bumps the version only when the price differs")
    func changePriceVersions() throws {
        var board = Board()
        try board.publish(Self.race)
        #expect(try board.changePrice(of: "a", to: price(3)).priceVersion == 1)
        #expect(try board.changePrice(of: "a", to: price(4)).priceVersion == 2)
        #expect(try board.changePrice(of: "a", to: price(3)).priceVersion == 3)
        #expect(board.market("race")?.selection("a")?.odds == price(3))
        #expect(throws: BoardError.unknownSelection("nope")) { try board.changePrice(of: "nope", to: price(2)) }
    }

    @Test("malformed publications are refused and change nothing")
    func publicationChecks() throws {
        var board = Board()
        try board.publish(Self.race)
        let before = board
        #expect(throws: BoardError.marketHasNoSelections("empty")) {
            try board.publish(Fixture.market("empty", event: "e1", []))
        }
        #expect(throws: BoardError.duplicateSelection("x")) {
            try board.publish(Fixture.market("dup", event: "e1", [("x", price(2)), ("x", price(3))]))
        }
        #expect(throws: BoardError.selectionBelongsToAnotherMarket("a", "race")) {
            try board.publish(Fixture.market("other", event: "e2", [("a", price(2))]))
        }
        #expect(board == before)
    }

    @Test("a settled market is final: no price change, republication, status change or withdrawal")
    func settledIsFinal() throws {
        var board = Board()
        try board.publish(Self.race)
        try board.setStatus(of: "race", to: .settled)
        let before = board
        #expect(throws: BoardError.marketAlreadySettled("race")) { try board.changePrice(of: "a", to: price(9)) }
        #expect(throws: BoardError.marketAlreadySettled("race")) { try board.publish(Self.race) }
        #expect(throws: BoardError.marketAlreadySettled("race")) { try board.setStatus(of: "race", to: .open) }
        #expect(throws: BoardError.marketAlreadySettled("race")) { try board.withdraw("a") }
        #expect(board == before)
    }

    @Test("status changes and withdrawals")
    func statusAndWithdrawal() throws {
        var board = Board()
        try board.publish(Self.race)
        try board.setStatus(of: "race", to: .suspended, inPlay: true)
        #expect(board.market("race")?.status == .suspended)
        #expect(board.market("race")?.inPlay == true)
        try board.setStatus(of: "race", to: .open)
        #expect(board.market("race")?.inPlay == true, "inPlay is kept when not given")
        try board.withdraw("b")
        #expect(board.market("race")?.selection("b")?.status == .withdrawn)
        #expect(throws: BoardError.unknownMarket("nope")) { try board.setStatus(of: "nope", to: .open) }
        #expect(throws: BoardError.unknownSelection("nope")) { try board.withdraw("nope") }
    }
}
