import Journal
import NIOConcurrencyHelpers
import TestSupport
import Wagering

/// The simulation's clock: wall time moves only when the workload says so, monotonic time on
/// every read, so a seed replays the same records to the byte.
final class SimulatedClock: JournalClock, Sendable {
    private let state = NIOLockedValueBox<(wall: Int64, mono: Int64)>((1_795_867_200_000, 1_000_000))

    func wallMillis() -> Int64 { state.withLockedValue { $0.wall } }
    func monotonicNanos() -> Int64 { state.withLockedValue { $0.mono += 1_000; return $0.mono } }
    func advance(millis: Int64) { state.withLockedValue { $0.wall += millis } }
}

/// Journal commands drawn from a seed: markets published and repriced, singles and doubles placed
/// (some retried with a key already used), markets resulted, winners paid, events recorded.
struct Workload {
    static let markets = 6
    static let limits = BettingLimits(
        minStakePerLine: 10, maxStakePerBet: 1_000_000, maxPayoutPerBet: 50_000_000,
        maxLiabilityPerSelection: 500_000_000, maxLiabilityPerMarket: 500_000_000,
        terminalDefaults: TerminalLimits(maxStakePerBet: 1_000_000, maxOpenStake: 1_000_000_000))

    /// Keys whose bets were acknowledged, with their tickets and codes (for retries and payouts).
    var placed: [(request: BetRequest, ticket: TicketID, code: SecurityCode)] = []
    var resulted: Set<MarketID> = []
    var published = 0
    var betNumber = 0
    /// While set, bets are placed as the appliance places them offline: held to these limits.
    var offline: OfflineTerms?

    static func market(_ number: Int) -> Market {
        let event = Event(id: EventID(rawValue: "e\(number)"), name: "Event \(number)", startsAtMillis: 1_795_870_800_000)
        return Market(id: MarketID(rawValue: "m\(number)"), event: event, name: "Win",
                      selections: (0..<3).map { index in
                          Selection(id: SelectionID(rawValue: "m\(number)-s\(index)"), name: "Runner \(index)",
                                    odds: try! Odds(decimalNumerator: Int64(index + 2), denominator: 1))
                      })
    }

    static func bet(key: String, selections: [SelectionID], stake: Int64) -> BetRequest {
        let legs = selections.map { Leg(selectionID: $0, seenOdds: try! Odds(decimalNumerator: 2, denominator: 1), seenPriceVersion: 1) }
        let slip = BetSlip(kind: legs.count == 1 ? .single : .accumulator, legs: legs,
                           stakePerLine: Money(minorUnits: stake, currency: .gbp), oddsChangePolicy: .acceptAny)
        return BetRequest(terminalID: "sim-kiosk", idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array("\(key)-\(selections)-\(stake)".utf8)))
    }

    /// The next command, and the key when it places a bet.
    mutating func next(using random: inout SplitMix64) -> (command: JournalCommand, key: String?) {
        if published < Self.markets {
            published += 1
            return (.publish(Self.market(published - 1)), nil)
        }
        let open = (0..<Self.markets).filter { !resulted.contains(MarketID(rawValue: "m\($0)")) }
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<55 where !open.isEmpty:
            betNumber += 1
            let first = open.randomElement(using: &random)!
            var selections = [SelectionID(rawValue: "m\(first)-s\(Int.random(in: 0..<3, using: &random))")]
            if Bool.random(using: &random), let second = open.filter({ $0 != first }).randomElement(using: &random) {
                selections.append(SelectionID(rawValue: "m\(second)-s\(Int.random(in: 0..<3, using: &random))"))
            }
            let key = "k\(betNumber)"
            var request = Self.bet(key: key, selections: selections, stake: Int64.random(in: 10...5_000, using: &random))
            request.offline = offline
            return (.place(request), key)
        case 55..<62 where !placed.isEmpty:
            // A terminal retrying: the answer must be the original ticket.
            let earlier = placed.randomElement(using: &random)!
            return (.place(earlier.request), earlier.request.idempotencyKey)
        case 62..<72 where !open.isEmpty:
            let market = open.randomElement(using: &random)!
            return (.changePrice(SelectionID(rawValue: "m\(market)-s\(Int.random(in: 0..<3, using: &random))"),
                                 try! Odds(decimalNumerator: Int64.random(in: 3...20, using: &random), denominator: 2)), nil)
        case 72..<76 where open.count > 1:
            let market = open.randomElement(using: &random)!
            let id = MarketID(rawValue: "m\(market)")
            resulted.insert(id)
            return (.result(MarketResult(marketID: id, outcomes: [SelectionID(rawValue: "m\(market)-s\(Int.random(in: 0..<3, using: &random))"): .win])), nil)
        case 76..<84 where !placed.isEmpty:
            let earlier = placed.randomElement(using: &random)!
            return (.pay(earlier.ticket, code: earlier.code, at: "sim-kiosk"), nil)
        default:
            return (.record(category: "sim.note", message: "step \(betNumber)"), nil)
        }
    }
}
