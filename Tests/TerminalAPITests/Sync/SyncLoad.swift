import Foundation
import NIOConcurrencyHelpers
import TerminalClient
import TerminalProtocol

/// Terminals placing bets for as long as a test wants, remembering every ticket they saw
/// acknowledged: what must reach central exactly once.
final class SyncLoad: Sendable {
    private let acknowledged = NIOLockedValueBox<Set<String>>([])
    private let refused = NIOLockedValueBox(0)
    private let running = NIOLockedValueBox(true)

    var tickets: Set<String> { acknowledged.withLockedValue { $0 } }
    var refusals: Int { refused.withLockedValue { $0 } }

    /// Places bets from `terminals` concurrent terminals until ``stop()``, each bet a new key.
    func run(client: TerminalClient, terminals: Int = 4, pause: Duration = .milliseconds(20)) async throws {
        let board = try await client.board()
        let selections = board.markets.flatMap(\.selections)
        await withTaskGroup(of: Void.self) { group in
            for terminal in 0..<terminals {
                group.addTask {
                    var count = 0
                    while self.running.withLockedValue({ $0 }) {
                        count += 1
                        let selection = selections[(terminal + count) % selections.count]
                        let slip = PlaceBetRequest(
                            idempotencyKey: "t\(terminal)-\(count)-\(UUID().uuidString)", type: "single",
                            legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
                            stakePerLine: MoneyView(minorUnits: 100, currency: "GBP"), oddsChangePolicy: .exact)
                        switch try? await client.place(slip) {
                        case .success(let ticket)?: self.acknowledged.withLockedValue { _ = $0.insert(ticket.ticketId) }
                        default: self.refused.withLockedValue { $0 += 1 }
                        }
                        try? await Task.sleep(for: pause)
                    }
                }
            }
        }
    }

    func stop() { running.withLockedValue { $0 = false } }

    /// Waits until more than `count` bets were acknowledged, or `bound` passed (the assertion
    /// that follows says which): how many fit in a fixed time depends on the machine's load.
    func waitForTickets(moreThan count: Int, within bound: Duration) async throws {
        let deadline = ContinuousClock.now + bound
        while tickets.count <= count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
