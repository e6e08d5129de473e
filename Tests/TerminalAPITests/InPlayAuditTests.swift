@testable import Central
import SyncProtocol
import Testing
import Wagering

/// Central's check of an appliance's in-play acceptances against its own timeline
/// (docs/adr/0014-in-play-delay.md, rule 11).
@Suite("Central: in-play acceptances audited against central's timeline")
struct InPlayAuditTests {
    static let market = Market(id: "live", event: Event(id: "match", name: "Match", startsAtMillis: 0), name: "Result", inPlay: true,
                               selections: [Selection(id: "home", name: "Home", odds: try! Odds.parse("2.0")),
                                            Selection(id: "away", name: "Away", odds: try! Odds.parse("3.0"))])

    static func bet(placedAt: Int64, on selection: SelectionID = "home") -> VerdictRules.OfflineBet {
        VerdictRules.OfflineBet(ticketID: TicketID(applianceCode: try! ApplianceCode("ADT1"), serial: 7),
                                legs: [.init(selectionID: selection, marketID: "live", odds: try! Odds.parse("2.0"))],
                                placedAtMillis: placedAt, takenOffline: nil)
    }

    static func accepted(at millis: Int64) -> DelayDecision {
        DelayDecision(ticketID: TicketID(applianceCode: try! ApplianceCode("ADT1"), serial: 7), terminalID: "kiosk-1", declined: nil,
                      detail: "nothing changed", atMillis: millis)
    }

    @Test("a suspension, even lifted, a result, a flip out of play or the leg's price moving between placing and acceptance is named; other legs' prices are not")
    func changesInTheWindow() {
        let published: (Int64, FeedChange) = (1_000, .marketPublished(Self.market))
        let changes: [(String, [(Int64, FeedChange)], String?)] = [
            ("quiet", [published, (9_000, .statusChanged(market: "live", status: .suspended, inPlay: nil))], nil),
            ("suspended and reopened", [published, (5_500, .statusChanged(market: "live", status: .suspended, inPlay: nil)),
                                        (6_000, .statusChanged(market: "live", status: .open, inPlay: nil))], "suspended"),
            ("resulted", [published, (6_000, .resulted(MarketResult(marketID: "live", outcomes: ["home": .win])))], "resulted"),
            ("out of play", [published, (6_000, .statusChanged(market: "live", status: .open, inPlay: false))], "out of play"),
            ("price moved", [published, (6_000, .priceChanged(selection: "home", odds: try! Odds.parse("1.5")))], "moved home"),
            ("other price", [published, (6_000, .priceChanged(selection: "away", odds: try! Odds.parse("4.0")))], nil),
            ("suspended before", [published, (4_000, .statusChanged(market: "live", status: .suspended, inPlay: nil))], "was suspended at central"),
        ]
        for (name, timeline, expected) in changes {
            let objection = InPlayAudit.objection(to: Self.bet(placedAt: 5_000), decision: Self.accepted(at: 8_000),
                                                  timeline: BoardTimeline(changes: timeline.map { (millis: $0.0, change: $0.1) }))
            if let expected {
                #expect(objection?.contains(expected) == true, "\(name): \(String(describing: objection))")
            } else {
                #expect(objection == nil, "\(name): \(String(describing: objection))")
            }
        }
    }
}
