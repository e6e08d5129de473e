import SyncProtocol
import Wagering

/// Central's look at an appliance's in-play decisions (docs/adr/0014-in-play-delay.md). The
/// appliance decides alone, from the feed it heard; central checks each acceptance against its
/// own timeline, since an appliance that accepted across a suspension (a feed held back, a bug,
/// a tampered build) is exactly what a person must see. An alert, not a verdict: the times
/// compared are the appliance's clock and central's, and a few seconds' drift can make a change
/// just after the decision look just before it.
enum InPlayAudit {
    /// Why accepting `bet` at `decision` looks wrong against central's timeline, or nil: one of
    /// its markets was not open when the bet was placed, or between the placing and the decision
    /// it left open, flipped in or out of play, was resulted, or a leg's price changed.
    static func objection(to bet: VerdictRules.OfflineBet, decision: DelayDecision, timeline: BoardTimeline) -> String? {
        let atPlacement = timeline.board(for: bet)
        let markets = Set(bet.legs.map(\.marketID))
        let selections = Set(bet.legs.map(\.selectionID))
        for marketID in markets.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let market = atPlacement[marketID] else { return "central had not published market '\(marketID)' when the bet was placed" }
            guard market.status == .open else { return "market '\(marketID)' was \(market.status.rawValue) at central when the bet was placed" }
        }
        for (millis, change) in timeline.changes where millis > bet.placedAtMillis && millis <= decision.atMillis {
            let when = "\(millis - bet.placedAtMillis) ms after the bet, before its acceptance"
            switch change {
            case .statusChanged(let market, let status, let inPlay) where markets.contains(market):
                if status != .open { return "central set market '\(market)' \(status.rawValue) \(when)" }
                if let inPlay, inPlay != atPlacement[market]?.inPlay { return "central set market '\(market)' \(inPlay ? "in play" : "out of play") \(when)" }
            case .marketPublished(let market) where markets.contains(market.id):
                if market.status != .open || market.inPlay != atPlacement[market.id]?.inPlay {
                    return "central republished market '\(market.id)' \(market.status.rawValue)\(market.inPlay ? ", in play" : "") \(when)"
                }
            case .resulted(let result) where markets.contains(result.marketID):
                return "central resulted market '\(result.marketID)' \(when)"
            case .priceChanged(let selection, let odds) where selections.contains(selection):
                return "central moved \(selection) to \(odds.decimalString) \(when)"
            default: continue
            }
        }
        return nil
    }
}
