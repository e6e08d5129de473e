import Foundation
import Synchronization
import TerminalClient
import TerminalProtocol

/// Terminals placing bets for as long as a test wants, remembering every ticket they saw
/// acknowledged: what must reach central exactly once.
final class SyncLoad: Sendable {
    private let acknowledged = Mutex<Set<String>>([])
    private let refused = Mutex(0)
    private let running = Mutex(true)

    var tickets: Set<String> { acknowledged.withLock { $0 } }
    var refusals: Int { refused.withLock { $0 } }

    /// Places bets from `terminals` concurrent terminals until ``stop()``, each bet a new key.
    func run(client: TerminalClient, terminals: Int = 4, pause: Duration = .milliseconds(20)) async throws {
        let board = try await client.board()
        let selections = board.markets.flatMap(\.selections)
        await withTaskGroup(of: Void.self) { group in
            for terminal in 0..<terminals {
                group.addTask {
                    var count = 0
                    while self.running.withLock({ $0 }) {
                        count += 1
                        let selection = selections[(terminal + count) % selections.count]
                        let slip = PlaceBetRequest(
                            idempotencyKey: "t\(terminal)-\(count)-\(UUID().uuidString)", type: "single",
                            legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
                            stakePerLine: MoneyView(minorUnits: 100, currency: "GBP"), oddsChangePolicy: .exact)
                        switch try? await client.place(slip) {
                        case .success(let ticket)?: self.acknowledged.withLock { _ = $0.insert(ticket.ticketId) }
                        default: self.refused.withLock { $0 += 1 }
                        }
                        try? await Task.sleep(for: pause)
                    }
                }
            }
        }
    }

    func stop() { running.withLock { $0 = false } }
}
