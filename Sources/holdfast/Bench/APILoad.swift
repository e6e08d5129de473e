import Foundation
import Synchronization
import TerminalClient
import TerminalProtocol

/// Runs one operation per client in a loop until the deadline, timing each.
enum APILoad {
    /// `declinedInDelay`: an in-play bet declined at the end of its delay; timed like an accepted
    /// one, since the kiosk waited the delay for it all the same.
    enum Outcome: Sendable { case accepted, declinedInDelay, replayed, oddsChanged, refused }

    struct Result {
        var figures: RunFigures
        var replayed = 0
        var oddsChanged = 0
        var refused = 0
        var declinedInDelay = 0
    }

    /// `executors`, when given, holds one per client: the task executor its requests run on.
    /// `round` tells runs against one daemon apart: each round's bets have keys of their own, or
    /// a second run would only replay the first one's.
    static func run(clients: [TerminalClient], executors: [any TaskExecutor]? = nil, for duration: Duration, round: Int = 0,
                    operation: @escaping @Sendable (TerminalClient, inout BetMix) async throws -> Outcome) async throws -> Result {
        precondition(executors == nil || executors?.count == clients.count, "one executor per client")
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + duration
        let perClient = try await withThrowingTaskGroup(of: (LatencySample, [Outcome: Int]).self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask(executorPreference: executors?[index]) {
                    var mix = BetMix(seed: UInt64(index + 1), round: round)
                    var sample = LatencySample()
                    var counts: [Outcome: Int] = [:]
                    // Cancelling the run ends it early (the power benchmark's background load).
                    while clock.now < deadline && !Task.isCancelled {
                        let begun = clock.now
                        let outcome: Outcome
                        do { outcome = try await operation(client, &mix) } catch where Task.isCancelled { break }
                        if outcome == .accepted || outcome == .declinedInDelay { sample.record(clock.now - begun) }
                        counts[outcome, default: 0] += 1
                    }
                    return (sample, counts)
                }
            }
            return try await group.reduce(into: [(LatencySample, [Outcome: Int])]()) { $0.append($1) }
        }
        var latency = LatencySample()
        var totals: [Outcome: Int] = [:]
        for (sample, counts) in perClient {
            latency.merge(sample)
            totals.merge(counts, uniquingKeysWith: +)
        }
        return Result(figures: RunFigures(operations: latency.count, elapsed: clock.now - started, latency: latency),
                      replayed: totals[.replayed, default: 0], oddsChanged: totals[.oddsChanged, default: 0],
                      refused: totals[.refused, default: 0] + totals[.oddsChanged, default: 0],
                      declinedInDelay: totals[.declinedInDelay, default: 0])
    }
}

/// One simulated kiosk's bets: 5% retry the previous slip with its key; new slips in the mix of
/// `SlipShape`. Seeded per terminal.
struct BetMix: Sendable {
    private var random: SeededRandom
    private var board: BoardView?
    private var previous: PlaceBetRequest?
    private var count = 0
    private let keyPrefix: String

    init(seed: UInt64, round: Int = 0) {
        random = SeededRandom(seed: seed)
        keyPrefix = round == 0 ? "" : "r\(round)-"
    }

    static let place: @Sendable (TerminalClient, inout BetMix) async throws -> APILoad.Outcome = { client, mix in
        if mix.board == nil { mix.board = try await client.board() }
        let slip = mix.nextSlip(terminal: client.terminalID)
        // The status tells a new ticket (201) from a replayed one (200), so only a refusal's body
        // is decoded: decoding every ticket was a quarter of this process's CPU, which the daemon
        // under test shares (docs/BENCHMARKS.md).
        let answer = try await client.send(.POST, "/v1/bets", body: slip.jsonBytes())
        switch answer.status {
        case 201: return .accepted
        case 200: return .replayed
        default:
            switch try client.outcome(answer, TicketView.self) {
            case .success(let ticket): return ticket.replayed ? .replayed : .accepted
            case .failure(let problem) where problem.kind == .oddsChanged:
                // Take the new prices from the refusal, as a kiosk shows them to the customer;
                // fetch the board again only when the refusal does not say.
                let applied = problem.movedPrices.map { mix.board?.apply($0) ?? false } ?? false
                if !applied { mix.board = nil }
                return .oddsChanged
            case .failure: return .refused
            }
        }
    }

    /// A single on a match in play, at whatever price moves: it waits out the delay, then is
    /// accepted or declined (a price moved in the window, as the demo's prices do every second).
    static let placeInPlay: @Sendable (TerminalClient, inout BetMix) async throws -> APILoad.Outcome = { client, mix in
        if mix.board == nil { mix.board = try await client.board() }
        mix.count += 1
        let matches = mix.board!.markets.filter(\.inPlay)
        let match = matches[mix.random.next(matches.count)]
        let selection = match.selections[mix.random.next(match.selections.count)]
        let slip = PlaceBetRequest(idempotencyKey: "\(client.terminalID)-\(mix.keyPrefix)live-\(mix.count)", type: "single",
                                   legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
                                   stakePerLine: MoneyView(minorUnits: Int64(50 + mix.random.next(500)), currency: "GBP"), oddsChangePolicy: .acceptAny)
        let answer = try await client.send(.POST, "/v1/bets", body: slip.jsonBytes())
        switch answer.status {
        case 201: return .accepted
        default:
            guard case .failure(let problem) = try client.outcome(answer, TicketView.self) else { return .replayed }
            if problem.kind == .oddsChanged { mix.board = nil }
            return problem.kind == .betDeclinedInDelay ? .declinedInDelay : .refused
        }
    }

    private mutating func nextSlip(terminal: String) -> PlaceBetRequest {
        if let previous, random.next(100) < 5 { return previous }
        count += 1
        // The races only: bets on the matches in play wait out a delay (`placeInPlay`).
        let markets = board!.markets.filter { !$0.inPlay }
        let shape = SlipShape.roll(using: &random)
        var races = Array(markets.indices)
        var legs: [LegRequest] = []
        for _ in 0..<shape.legCount {
            let race = races.remove(at: random.next(races.count))
            let selection = markets[race].selections[random.next(markets[race].selections.count)]
            legs.append(LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion))
        }
        let slip = PlaceBetRequest(idempotencyKey: "\(terminal)-\(keyPrefix)\(count)", type: "\(shape)", legs: legs,
                                   stakePerLine: MoneyView(minorUnits: Int64(50 + random.next(500)), currency: "GBP"),
                                   oddsChangePolicy: SlipShape.rollPolicy(using: &random))
        previous = slip
        return slip
    }
}
