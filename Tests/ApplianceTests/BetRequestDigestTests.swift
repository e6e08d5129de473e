@testable import Appliance
import TerminalProtocol
import Testing

/// The request digest is journaled with every bet and compared when a terminal retries, so it
/// must never change between releases: a retry after an upgrade would otherwise be refused as a
/// conflicting reuse of its idempotency key.
@Suite("Bet request digests")
struct BetRequestDigestTests {
    @Test("a slip's digest is pinned to its canonical form")
    func pinned() {
        let single = PlaceBetRequest(idempotencyKey: "k-1", type: "single",
                                     legs: [LegRequest(selectionId: "m1-a", price: ExactPrice(numerator: 19, denominator: 8), priceVersion: 1)],
                                     stakePerLine: MoneyView(minorUnits: 250, currency: "GBP"), oddsChangePolicy: .exact)
        let yankee = PlaceBetRequest(idempotencyKey: "Y4NK33", type: "yankee",
                                     legs: (1...4).map { LegRequest(selectionId: "r\($0)-wé", price: ExactPrice(numerator: 11, denominator: 4), priceVersion: UInt64($0)) },
                                     stakePerLine: MoneyView(minorUnits: 50, currency: "gbp"), oddsChangePolicy: .acceptAny)
        // sha256("7:slip/v16:single5:exact3:2503:GBP1:14:m1-a2:191:81:1"), worked out independently.
        #expect(BetRequestMapping.digest(of: single).hex == "c09c1b84cb6099584e322d7d8219901385827a91578cf0b4168d1368b8ec1e0c")
        // Lengths count UTF-8 bytes ("r1-wé" is 6), and the currency is upper-cased.
        #expect(BetRequestMapping.digest(of: yankee).hex == "ff3e15c88beb51fecf137d13876e21f655725f88ec758439d0a22b4c451c1ba1")
    }

    @Test("the idempotency key is not part of the digest")
    func keyIsNotDigested() {
        let legs = [LegRequest(selectionId: "m1-a", price: ExactPrice(numerator: 2, denominator: 1), priceVersion: 3)]
        let first = PlaceBetRequest(idempotencyKey: "a", type: "single", legs: legs,
                                    stakePerLine: MoneyView(minorUnits: 100, currency: "GBP"), oddsChangePolicy: .exact)
        var second = first
        second.idempotencyKey = "b"
        #expect(BetRequestMapping.digest(of: first) == BetRequestMapping.digest(of: second))
        second.legs[0].priceVersion = 4
        #expect(BetRequestMapping.digest(of: first) != BetRequestMapping.digest(of: second))
    }
}
