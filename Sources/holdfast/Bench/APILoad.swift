import Foundation
import Synchronization
import TerminalClient
import TerminalProtocol

/// Runs one operation per client in a loop until the deadline, timing each.
enum APILoad {
    enum Outcome: Sendable { case accepted, replayed, oddsChanged, refused }

    struct Result {
        var figures: RunFigures
        var replayed = 0
        var oddsChanged = 0
        var refused = 0
    }

    /// `executors`, when given, holds one per client: the task executor its requests run on.
    static func run(clients: [TerminalClient], executors: [any TaskExecutor]? = nil, for duration: Duration,
                    operation: @escaping @Sendable (TerminalClient, inout BetMix) async throws -> Outcome) async throws -> Result {
        precondition(executors == nil || executors?.count == clients.count, "one executor per client")
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + duration
        let perClient = try await withThrowingTaskGroup(of: (LatencySample, [Outcome: Int]).self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask(executorPreference: executors?[index]) {
                    var mix = BetMix(seed: UInt64(index + 1))
                    var sample = LatencySample()
                    var counts: [Outcome: Int] = [:]
                    // Cancelling the run ends it early (the power benchmark's background load).
                    while clock.now < deadline && !Task.isCancelled {
                        let begun = clock.now
                        let outcome: Outcome
                        do { outcome = try await operation(client, &mix) } catch where Task.isCancelled { break }
                        if outcome == .accepted { sample.record(clock.now - begun) }
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
                      refused: totals[.refused, default: 0] + totals[.oddsChanged, default: 0])
    }
}

/// One simulated kiosk's bets: 5% retry the previous slip with its key; new slips in the mix of
/// `SlipShape`. Seeded per terminal.
struct BetMix: Sendable {
    private var random: SeededRandom
    private var board: BoardView?
    private var previous: PlaceBetRequest?
    private var count = 0

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

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

    private mutating func nextSlip(terminal: String) -> PlaceBetRequest {
        if let previous, random.next(100) < 5 { return previous }
        count += 1
        let markets = board!.markets
        let shape = SlipShape.roll(using: &random)
        var races = Array(markets.indices)
        var legs: [LegRequest] = []
        for _ in 0..<shape.legCount {
            let race = races.remove(at: random.next(races.count))
            let selection = markets[race].selections[random.next(markets[race].selections.count)]
            legs.append(LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion))
        }
        let slip = PlaceBetRequest(idempotencyKey: "\(terminal)-\(count)", type: "\(shape)", legs: legs,
                                   stakePerLine: MoneyView(minorUnits: Int64(50 + random.next(500)), currency: "GBP"),
                                   oddsChangePolicy: SlipShape.rollPolicy(using: &random))
        previous = slip
        return slip
    }
}
