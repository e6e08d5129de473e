import SyncProtocol
import Wagering

/// Central's decision on a bet taken offline, against what central itself had published when the
/// bet was placed (by the appliance's clock). A bet is confirmed only if every leg's market was
/// known, not yet resulted, before its event's start, open and not in play, and no leg was struck
/// at better odds than central offered.
enum VerdictRules {
    /// What a verdict needs of a `bet.placed` payload; decoding only these keys is about twice
    /// as fast as the whole bet, which matters when a day of offline bets arrives at once.
    struct OfflineBet: Decodable {
        struct Leg: Decodable {
            var selectionID: SelectionID
            var marketID: MarketID
            var odds: Odds
        }

        var ticketID: TicketID
        var legs: [Leg]
        var placedAtMillis: Int64
        var takenOffline: Bool?
    }

    /// `board`: each leg's market as central had it at the bet's time, nil when never published.
    static func verdict(for bet: OfflineBet, seq: Int64, board: [MarketID: Market]) -> Verdict {
        for leg in bet.legs {
            guard let market = board[leg.marketID], let selection = market.selection(leg.selectionID) else {
                return void(bet, seq, .unknownMarket, "central had not published market '\(leg.marketID)' when the bet was placed")
            }
            guard market.status != .settled else {
                return void(bet, seq, .marketResulted, "central had resulted market '\(leg.marketID)' before the bet was placed")
            }
            guard bet.placedAtMillis < market.event.startsAtMillis else {
                return void(bet, seq, .afterStart, """
                    the bet on market '\(leg.marketID)' was placed \((bet.placedAtMillis - market.event.startsAtMillis) / 1_000) s \
                    after its event's start, and offline bets are never in play
                    """)
            }
            guard market.status == .open, !market.inPlay, selection.status == .active else {
                let state = market.inPlay ? "in play" : market.status.rawValue
                return void(bet, seq, .marketSuspended, "market '\(leg.marketID)' was \(state) at central when the bet was placed")
            }
            guard leg.odds <= selection.odds else {
                return void(bet, seq, .staleOdds, "'\(leg.selectionID)' was struck at \(leg.odds.decimalString); central offered \(selection.odds.decimalString) then")
            }
        }
        return Verdict(seq: seq, ticketID: bet.ticketID.description, decision: .confirmed, reason: nil,
                       detail: "every leg matches what central offered when the bet was placed")
    }

    private static func void(_ bet: OfflineBet, _ seq: Int64, _ reason: Verdict.Reason, _ detail: String) -> Verdict {
        Verdict(seq: seq, ticketID: bet.ticketID.description, decision: .voided, reason: reason, detail: detail)
    }
}
