import Foundation
import PropertyBased
import Testing
@testable import Wagering
@testable import Journal

@Suite("The hand-written bet payload is the JSON PlacedBet's Codable reads")
struct BetPayloadWriterTests {
    /// Strings as terminals might send them: quotes, backslashes, control characters, non-ASCII.
    static let awkwardText = Gen.oneOf(
        Gen.letterOrNumber.string(of: 0...12),
        Gen.always("quote\"back\\slash"),
        Gen.always("tab\tnew\nline\rreturn\u{01}\u{1F}"),
        Gen.always("caf\u{E9} \u{1F40E} \u{4E2D}")
    )

    @Test("decoding the written payload gives back the bet, for arbitrary field contents")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Self.awkwardText, Self.awkwardText, Gen.int64(in: 0...Int64.max),
                            Gen.int(in: 1...8)) { text, key, amount, legCount in
            var bet = Self.bet(terminal: text, key: key, amount: amount, legs: legCount)
            bet.takenOffline = [nil, true, false][Int(amount % 3)]
            if amount % 4 == 0 {
                bet.inPlayDelay = InPlayDelay(seconds: Int(amount % 31), markets: (0..<legCount).map { index in
                    InPlayDelay.MarketMark(marketID: MarketID(rawValue: "\(text)-m\(index)"), changeCount: UInt64(amount) &+ UInt64(index),
                                           inPlay: index % 2 == 0)
                })
            }
            let written = BetPayloadWriter.encode(bet)
            let decoded = try? JSONDecoder().decode(PlacedBet.self, from: Data(written))
            #expect(decoded == bet)
            // And it says the same as Foundation's encoder would.
            let foundation = try? JSONDecoder().decode(PlacedBet.self, from: JSONEncoder().encode(bet))
            #expect(foundation == decoded)
        }
    }

    @Test("the payload is valid JSON with the documented keys")
    func keys() throws {
        let written = BetPayloadWriter.encode(Self.bet(terminal: "kiosk-1", key: "k", amount: 500, legs: 2))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written)) as? [String: Any])
        #expect(Set(object.keys) == ["ticketID", "terminalID", "idempotencyKey", "requestDigest", "kind", "legs", "stakePerLine",
                                     "totalStake", "potentialReturn", "oddsChangePolicy", "placedAtMillis", "securityDigest"])
    }

    static func bet(terminal: String, key: String, amount: Int64, legs: Int) -> PlacedBet {
        let ticket = TicketID(applianceCode: try! ApplianceCode("HF01"), serial: UInt64(amount) % TicketID.serialLimit)
        let money = Money(minorUnits: amount, currency: .gbp)
        let placedLegs = (0..<legs).map { index in
            PlacedLeg(selectionID: SelectionID(rawValue: "\(terminal)-s\(index)"), marketID: MarketID(rawValue: "m\(index)"),
                      eventID: EventID(rawValue: key), odds: try! Odds(decimalNumerator: 11 + Int64(index), denominator: 8),
                      priceVersion: UInt64(index) + 1, seenOdds: .evens, seenPriceVersion: UInt64.max - UInt64(index))
        }
        return PlacedBet(ticketID: ticket, terminalID: TerminalID(rawValue: terminal), idempotencyKey: key,
                         requestDigest: Digest256(hashing: Array("digest \(key)".utf8)), kind: legs == 1 ? .single : .accumulator, legs: placedLegs,
                         stakePerLine: money, totalStake: money, potentialReturn: Money(minorUnits: -amount, currency: .gbp),
                         oddsChangePolicy: .acceptHigher, placedAtMillis: -amount,
                         securityDigest: SecurityDigest(bytes: (0..<32).map { UInt8(truncatingIfNeeded: Int(amount) &+ $0) }))
    }
}
