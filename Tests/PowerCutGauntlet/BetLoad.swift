import Foundation
import NIOConcurrencyHelpers
import TerminalClient
import TerminalProtocol

/// What the terminals saw, across every boot: the bets acknowledged to them (idempotency key ->
/// ticket) and the ones whose answer never came (in doubt until retried with the same key).
final class BetLedger: Sendable {
    private let state = NIOLockedValueBox<(acknowledged: [String: String], inDoubt: [String: PlaceBetRequest], refused: [String: Int])>(([:], [:], [:]))

    var acknowledged: [String: String] { state.withLockedValue { $0.acknowledged } }
    var inDoubt: [String: PlaceBetRequest] { state.withLockedValue { $0.inDoubt } }
    /// Refusals by the last part of their problem type ("intake-closed", "offline-limit", ...).
    var refused: [String: Int] { state.withLockedValue { $0.refused } }

    func sending(_ slip: PlaceBetRequest) { state.withLockedValue { $0.inDoubt[slip.idempotencyKey] = slip } }

    func answered(_ slip: PlaceBetRequest, _ answer: Result<TicketView, Problem>) {
        state.withLockedValue { state in
            state.inDoubt[slip.idempotencyKey] = nil
            switch answer {
            case .success(let ticket): state.acknowledged[slip.idempotencyKey] = ticket.ticketId
            // A refusal is an answer too: nothing was journaled (the API's contract).
            case .failure(let problem): state.refused[String(problem.type.split(separator: "/").last ?? ""), default: 0] += 1
            }
        }
    }
}

/// K terminals placing signed bets as fast as the appliance answers, each retrying an unanswered
/// slip with its own key (as a kiosk does) until the load is stopped.
struct BetLoad {
    let client: TerminalClient
    let ledger: BetLedger
    let terminals: Int

    /// Runs until cancelled. `boot` makes the keys unique across boots.
    func run(boot: Int, board: BoardView) async {
        await withTaskGroup(of: Void.self) { group in
            for terminal in 0..<terminals {
                group.addTask {
                    var count = 0
                    while !Task.isCancelled {
                        count += 1
                        let slip = slip(key: "b\(boot)-t\(terminal)-\(count)", number: count + terminal, board: board)
                        ledger.sending(slip)
                        while !Task.isCancelled {
                            if let answer = try? await client.place(slip) {
                                ledger.answered(slip, answer)
                                // Refused (intake closed for power, say): a kiosk waits before the next slip.
                                if case .failure = answer { try? await Task.sleep(for: .milliseconds(100)) }
                                break
                            }
                            try? await Task.sleep(for: .milliseconds(200))
                        }
                    }
                }
            }
        }
    }

    /// Singles, and doubles across two events, at whatever price is current (accept any).
    private func slip(key: String, number: Int, board: BoardView) -> PlaceBetRequest {
        let markets = board.markets
        let first = markets[number % markets.count]
        let second = markets[(number + 1) % markets.count]
        let leg = { (market: MarketView, index: Int) in
            let selection = market.selections[index % market.selections.count]
            return LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)
        }
        let double = number % 3 == 0 && first.event.id != second.event.id
        return PlaceBetRequest(idempotencyKey: key, type: double ? "accumulator" : "single",
                               legs: double ? [leg(first, number), leg(second, number / 2)] : [leg(first, number)],
                               stakePerLine: MoneyView(minorUnits: 100 + Int64(number % 7) * 10, currency: "GBP"),
                               oddsChangePolicy: .acceptAny)
    }
}
