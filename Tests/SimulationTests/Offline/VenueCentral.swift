@testable import Central
import Foundation
import SyncProtocol
import TestSupport
import Wagering

/// Central as the offline simulation needs it, in true time: its traders' board and every change
/// they published (the timeline a verdict is judged against), the feed it keeps for the
/// appliance, the records it holds, and its verdicts, decided when a bet's record arrives by the
/// reference central's own rules (`VerdictRules` on `BoardTimeline`), one feed item per batch.
final class VenueCentral {
    private(set) var board: [MarketID: Market] = [:]
    private(set) var timeline: [(millis: Int64, change: FeedChange)] = []
    private(set) var feed: [FeedItem] = []
    private(set) var heldSeq: Int64 = 0
    private(set) var verdicts: [TicketID: Verdict] = [:]
    /// Markets whose event's start central has already acted on (or chosen to forget).
    private var startHandled: Set<MarketID> = []
    private var marketCount = 0
    /// Events whose start the traders let pass without closing or turning the market.
    private(set) var startsForgotten = 0

    /// A market that is neither resulted nor closed.
    var liveMarkets: [Market] {
        board.values.filter { $0.status == .open || $0.status == .suspended }.sorted { $0.id.rawValue < $1.id.rawValue }
    }

    func publish(_ change: FeedChange, atMillis now: Int64) {
        switch change {
        case .marketPublished(let market): board[market.id] = market
        case .priceChanged(let selection, let odds):
            for (id, var market) in board {
                guard let index = market.selections.firstIndex(where: { $0.id == selection }) else { continue }
                market.selections[index].odds = odds
                board[id] = market
            }
        case .statusChanged(let market, let status, let inPlay):
            board[market]?.status = status
            if let inPlay { board[market]?.inPlay = inPlay }
        case .resulted(let result): board[result.marketID]?.status = .settled
        default: break
        }
        switch change {
        case .marketPublished, .priceChanged, .statusChanged, .resulted: timeline.append((now, change))
        default: break
        }
        feed.append(FeedItem(cursor: Int64(feed.count + 1), change: change))
    }

    /// One round of the traders' work at `now`: a new market now and then (some of them in play),
    /// prices moved, markets suspended and reopened, results (suspending first, as
    /// `holdfast-central publish result` does), and each event's start: usually a suspension or
    /// a turn in play, but sometimes forgotten, so the appliance's own start check is tested.
    func trade(atMillis now: Int64, using random: inout SplitMix64) {
        for market in liveMarkets where !market.inPlay && market.event.startsAtMillis <= now && !startHandled.contains(market.id) {
            startHandled.insert(market.id)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<60: publish(.statusChanged(market: market.id, status: .suspended, inPlay: nil), atMillis: now)
            case 60..<85: publish(.statusChanged(market: market.id, status: .open, inPlay: true), atMillis: now)
            default: startsForgotten += 1
            }
        }
        if liveMarkets.count < 3 || Int.random(in: 0..<100, using: &random) < 8 {
            publishMarket(atMillis: now, inPlay: Int.random(in: 0..<100, using: &random) < 25, using: &random)
        }
        guard let market = liveMarkets.randomElement(using: &random) else { return }
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<25:
            let selection = market.selections.randomElement(using: &random)!
            publish(.priceChanged(selection: selection.id, odds: Self.odds(using: &random)), atMillis: now)
        case 25..<35 where market.status == .open:
            publish(.statusChanged(market: market.id, status: .suspended, inPlay: nil), atMillis: now)
        case 35..<50 where market.status == .suspended && (market.inPlay || market.event.startsAtMillis > now):
            publish(.statusChanged(market: market.id, status: .open, inPlay: nil), atMillis: now)
        case 50..<56:
            if market.status != .suspended { publish(.statusChanged(market: market.id, status: .suspended, inPlay: nil), atMillis: now) }
            let winner = market.selections.randomElement(using: &random)!.id
            publish(.resulted(MarketResult(marketID: market.id, outcomes: [winner: .win])), atMillis: now)
        default: break
        }
    }

    private func publishMarket(atMillis now: Int64, inPlay: Bool, using random: inout SplitMix64) {
        marketCount += 1
        let number = marketCount
        let starts = inPlay ? now - 120_000 : now + Int64.random(in: 60...900, using: &random) * 1_000
        let event = Event(id: EventID(rawValue: "e\(number)"), name: "Event \(number)", startsAtMillis: starts)
        let selections = (0..<3).map { index in
            Selection(id: SelectionID(rawValue: "m\(number)-s\(index)"), name: "Runner \(index)", odds: Self.odds(using: &random))
        }
        let market = Market(id: MarketID(rawValue: "m\(number)"), event: event, name: "Win", inPlay: inPlay, selections: selections,
                            betDelaySeconds: inPlay ? Int.random(in: 0...10, using: &random) : nil)
        if inPlay { startHandled.insert(market.id) }
        publish(.marketPublished(market), atMillis: now)
    }

    private static func odds(using random: inout SplitMix64) -> Odds {
        try! Odds(decimalNumerator: Int64.random(in: 11...80, using: &random), denominator: 10)
    }

    /// Central takes the records after its mark (a push): each bet taken offline gets its verdict.
    func receive(_ records: [JournalRecord], atMillis now: Int64) throws {
        guard let first = records.first else { return }
        precondition(first.seq == heldSeq + 1, "records arrive in order, from central's mark")
        heldSeq = records[records.count - 1].seq
        let decoder = JSONDecoder()
        var decided: [Verdict] = []
        for record in records where record.kind == "bet.placed" {
            let bet = try decoder.decode(VerdictRules.OfflineBet.self, from: Data(record.payload))
            guard bet.takenOffline == true else { continue }
            let verdict = VerdictRules.verdict(for: bet, seq: record.seq, board: BoardTimeline(changes: timeline).board(for: bet))
            verdicts[bet.ticketID] = verdict
            decided.append(verdict)
        }
        if !decided.isEmpty { publish(.verdicts(decided), atMillis: now) }
    }
}
