import Testing
@testable import Wagering

@Suite("Book: prices that moved between the terminal and the book")
struct BookOddsChangeTests {
    /// The standard board with a drifted from 3.0 (v1) to 4.0 (v2) and d shortened from 2.0 (v1) to 3/2 (v2).
    static func movedDesk() throws -> Desk {
        var desk = try Desk.standard()
        #expect(try desk.legs(["a", "d"]) == [seenA, seenD])
        _ = try desk.book.changePrice(of: "a", to: price(4))
        _ = try desk.book.changePrice(of: "d", to: price(3, 2))
        return desk
    }

    static let seenA = Leg(selectionID: "a", seenOdds: price(3), seenPriceVersion: 1)
    static let seenD = Leg(selectionID: "d", seenOdds: price(2), seenPriceVersion: 1)

    @Test("a price change is applied with the next version and reported")
    func priceChangeEvent() throws {
        var desk = try Desk.standard()
        let applied = try desk.book.changePrice(of: "a", to: price(4))
        #expect(applied.event == .priceChanged(PriceChange(selectionID: "a", odds: price(4), priceVersion: 2)))
        #expect(applied.markets == ["race1"])
        #expect(desk.book.board.market("race1")?.selection("a")?.priceVersion == 2)
        let unknown = desk.refusal { desk throws(BookRefusal) in _ = try desk.book.changePrice(of: "zz", to: price(2)) }
        #expect(unknown == .board(.unknownSelection("zz")))
    }

    @Test("exact: a moved price is refused, naming the price seen and the current one")
    func exactRefusesMovedPrice() throws {
        var desk = try Self.movedDesk()
        let request = desk.request(.single, legs: [Self.seenA], stake: 100, policy: .exact)
        let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(request) }
        #expect(refusal == .oddsChanged([MovedPrice(selectionID: "a", seenOdds: price(3), seenPriceVersion: 1,
                                                    currentOdds: price(4), currentPriceVersion: 2)]))
        #expect(refusal?.description == "odds changed: a was 3.00 (v1), now 4.00 (v2)")
    }

    @Test("acceptHigher: a longer price is struck at the current price, a shorter one refused")
    func acceptHigher() throws {
        var desk = try Self.movedDesk()
        let drifted = try desk.place(desk.request(.single, legs: [Self.seenA], stake: 100, policy: .acceptHigher))
        #expect(drifted.legs[0].odds == price(4))
        #expect(drifted.legs[0].priceVersion == 2)
        #expect(drifted.legs[0].seenOdds == price(3))
        #expect(drifted.legs[0].seenPriceVersion == 1)
        #expect(drifted.potentialReturn == gbp(400))

        let shortened = desk.request(.single, legs: [Self.seenD], stake: 100, policy: .acceptHigher)
        let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(shortened) }
        #expect(refusal == .oddsChanged([MovedPrice(selectionID: "d", seenOdds: price(2), seenPriceVersion: 1,
                                                    currentOdds: price(3, 2), currentPriceVersion: 2)]))
    }

    @Test("acceptAny: whatever the current price is, is struck")
    func acceptAny() throws {
        var desk = try Self.movedDesk()
        let bet = try desk.place(desk.request(.accumulator, legs: [Self.seenA, Self.seenD], stake: 100, policy: .acceptAny))
        #expect(bet.legs.map(\.odds) == [price(4), price(3, 2)])
        #expect(bet.legs.map(\.priceVersion) == [2, 2])
        #expect(bet.potentialReturn == gbp(600))
    }

    @Test("a refused multiple lists every moved leg, in slip order, and no unmoved one")
    func refusalListsAllMovedLegs() throws {
        var desk = try Self.movedDesk()
        let fresh = try desk.legs(["f"])[0]
        let request = desk.request(.system(.trixie), legs: [Self.seenD, fresh, Self.seenA], stake: 100, policy: .exact)
        let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(request) }
        #expect(refusal == .oddsChanged([
            MovedPrice(selectionID: "d", seenOdds: price(2), seenPriceVersion: 1, currentOdds: price(3, 2), currentPriceVersion: 2),
            MovedPrice(selectionID: "a", seenOdds: price(3), seenPriceVersion: 1, currentOdds: price(4), currentPriceVersion: 2),
        ]))
        // With acceptHigher only the shortened leg is refused.
        let higher = desk.request(.system(.trixie), legs: [Self.seenD, fresh, Self.seenA], stake: 100, policy: .acceptHigher)
        let second = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(higher) }
        #expect(second == .oddsChanged([
            MovedPrice(selectionID: "d", seenOdds: price(2), seenPriceVersion: 1, currentOdds: price(3, 2), currentPriceVersion: 2),
        ]))
    }

    @Test("the price seen at the current version is struck under every policy", arguments: OddsChangePolicy.allCases)
    func currentPriceAlwaysStruck(_ policy: OddsChangePolicy) throws {
        var desk = try Self.movedDesk()
        let bet = try desk.place(.accumulator, ["a", "d"], stake: 100, policy: policy)
        #expect(bet.legs.map(\.odds) == [price(4), price(3, 2)])
        #expect(bet.legs.map(\.seenPriceVersion) == [2, 2])
    }

    @Test("exact: a price that moved away and back is the price seen, and is struck at its new version")
    func exactAcceptsPriceMovedBack() throws {
        var desk = try Desk.standard()
        let seen = try desk.legs(["a"])
        _ = try desk.book.changePrice(of: "a", to: price(4))
        _ = try desk.book.changePrice(of: "a", to: price(3))
        let bet = try desk.place(desk.request(.single, legs: seen, stake: 100, policy: .exact))
        #expect(bet.legs[0].odds == price(3))
        #expect(bet.legs[0].priceVersion == 3)
        #expect(bet.legs[0].seenPriceVersion == 1)
    }

    @Test("a seen price that the board never showed at that version is judged by the policy")
    func misreportedSeenPrice() throws {
        var desk = try Desk.standard()
        // The terminal claims 3.5 at version 1, but a is 3.0 at version 1.
        let claimed = [Leg(selectionID: "a", seenOdds: price(7, 2), seenPriceVersion: 1)]
        for policy in [OddsChangePolicy.exact, .acceptHigher] {
            let request = desk.request(.single, legs: claimed, stake: 100, policy: policy)
            let refusal = desk.refusal { desk throws(BookRefusal) in _ = try desk.place(request) }
            #expect(refusal == .oddsChanged([MovedPrice(selectionID: "a", seenOdds: price(7, 2), seenPriceVersion: 1,
                                                        currentOdds: price(3), currentPriceVersion: 1)]), "\(policy)")
        }
        let bet = try desk.place(desk.request(.single, legs: claimed, stake: 100, policy: .acceptAny))
        #expect(bet.legs[0].odds == price(3), "never the price the terminal claims, always the board's")
    }

    @Test("the policies' strike rule on its own")
    func strikeRule() {
        let (low, mid, high) = (price(3, 2), price(2), price(3))
        #expect(OddsChangePolicy.exact.strike(seen: mid, current: mid) == mid)
        #expect(OddsChangePolicy.exact.strike(seen: mid, current: high) == nil)
        #expect(OddsChangePolicy.exact.strike(seen: mid, current: low) == nil)
        #expect(OddsChangePolicy.acceptHigher.strike(seen: mid, current: high) == high)
        #expect(OddsChangePolicy.acceptHigher.strike(seen: mid, current: mid) == mid)
        #expect(OddsChangePolicy.acceptHigher.strike(seen: mid, current: low) == nil)
        #expect(OddsChangePolicy.acceptAny.strike(seen: mid, current: low) == low)
        #expect(OddsChangePolicy.acceptAny.strike(seen: mid, current: high) == high)
    }
}
