import Foundation
import TestSupport
import TerminalProtocol
import Testing
@testable import Wagering

@Suite("The hand-written ticket and slip JSON is what JSONEncoder writes")
struct WireJSONTests {
    /// Strings as terminals and staff might send them: quotes, backslashes, control characters, non-ASCII.
    static let awkwardText = ["", "kiosk-7", "quote\"back\\slash", "tab\tnew\nline\rreturn\u{01}\u{1F}", "caf\u{E9} \u{1F40E} \u{4E2D}"]

    @Test("a ticket reads back equal, with the same keys and absent optionals left out", arguments: 0..<200)
    func ticket(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let ticket = Self.ticket(&random)
        let written = ticket.jsonBytes()
        #expect(try JSONDecoder().decode(TicketView.self, from: Data(written)) == ticket)
        #expect(try Self.keyPaths(written) == Self.keyPaths(Array(JSONEncoder().encode(ticket))))
    }

    @Test("a slip reads back equal through the server's strict decoding, with the same keys", arguments: 0..<200)
    func slip(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let legs = (0..<Int.random(in: 1...8, using: &random)).map { _ in
            LegRequest(selectionId: Self.awkwardText.randomElement(using: &random)!,
                       price: ExactPrice(numerator: Int64.random(in: .min ... .max, using: &random), denominator: Int64.random(in: 1...1_000, using: &random)),
                       priceVersion: UInt64.random(in: 0 ... .max, using: &random))
        }
        let slip = PlaceBetRequest(idempotencyKey: Self.awkwardText.randomElement(using: &random)!, type: "trixie", legs: legs,
                                   stakePerLine: MoneyView(minorUnits: Int64.random(in: .min ... .max, using: &random), currency: "GBP"),
                                   oddsChangePolicy: OddsChangePolicy.allCases.randomElement(using: &random)!)
        let written = slip.jsonBytes()
        #expect(try JSONDecoder().decode(PlaceBetRequest.self, from: Data(written)) == slip)
        #expect(try Self.keyPaths(written) == Self.keyPaths(Array(JSONEncoder().encode(slip))))
    }

    static func ticket(_ random: inout SplitMix64) -> TicketView {
        let money = Money(minorUnits: Int64.random(in: .min ... .max, using: &random), currency: .gbp)
        let legs = (0..<Int.random(in: 1...8, using: &random)).map { index in
            PlacedLeg(selectionID: SelectionID(rawValue: awkwardText.randomElement(using: &random)!), marketID: MarketID(rawValue: "m\(index)"),
                      eventID: EventID(rawValue: awkwardText.randomElement(using: &random)!),
                      odds: try! Odds(decimalNumerator: Int64.random(in: 1_001...1_000_000, using: &random), denominator: 1_000),
                      priceVersion: UInt64.random(in: 0 ... .max, using: &random), seenOdds: .evens, seenPriceVersion: 1)
        }
        var bet = PlacedBet(ticketID: TicketID(applianceCode: try! ApplianceCode("HF01"), serial: UInt64.random(in: 1..<TicketID.serialLimit, using: &random)),
                            terminalID: "kiosk-1", idempotencyKey: "k", requestDigest: Digest256(hashing: Array("d".utf8)), kind: legs.count == 1 ? .single : .accumulator,
                            legs: legs, stakePerLine: money, totalStake: money, potentialReturn: money, oddsChangePolicy: .exact,
                            placedAtMillis: Int64.random(in: .min ... .max, using: &random),
                            securityDigest: SecurityDigest(bytes: [UInt8](repeating: 7, count: 32)))
        bet.takenOffline = [nil, true, false].randomElement(using: &random)!
        bet.verdictRequired = [nil, true, false].randomElement(using: &random)!
        if Bool.random(using: &random) {
            bet.inPlayDelay = InPlayDelay(seconds: Int.random(in: 0...30, using: &random),
                                          markets: [InPlayDelay.MarketMark(marketID: "m0", changeCount: 3, inPlay: true)])
        }
        let code = Bool.random(using: &random) ? SecurityCode(for: bet.ticketID, key: TicketKey(bytes: [UInt8](repeating: 1, count: 32))!) : nil
        return TicketView(bet: bet, status: [.open, .won, .lost, .voided, .paid, .pending, .declined].randomElement(using: &random)!,
                          amount: Int64.random(in: .min ... .max, using: &random), securityCode: code, replayed: Bool.random(using: &random),
                          voidReason: [nil, awkwardText.randomElement(using: &random)!].randomElement(using: &random)!,
                          verdict: [nil, "pending", "confirmed", "voided"].randomElement(using: &random)!,
                          declineReason: [nil, DelayDeclineReason.allCases.randomElement(using: &random)!.rawValue].randomElement(using: &random)!)
    }

    /// Every key path in a JSON document (`legs[].price.decimal`): tells an absent key from a null one.
    static func keyPaths(_ json: [UInt8]) throws -> Set<String> {
        func walk(_ value: Any, _ path: String, into paths: inout Set<String>) {
            if let object = value as? [String: Any] {
                for (key, child) in object {
                    paths.insert(path + "." + key)
                    walk(child, path + "." + key, into: &paths)
                }
            } else if let array = value as? [Any] {
                for child in array { walk(child, path + "[]", into: &paths) }
            }
        }
        var paths: Set<String> = []
        walk(try JSONSerialization.jsonObject(with: Data(json)), "", into: &paths)
        return paths
    }
}
