import Journal
import TerminalProtocol
import Wagering

extension ApplianceService {
    /// The answer to a bet placed, or retried, while it waits out its in-play delay: given once
    /// it is decided, on the same request. Accepted, it is the ticket with its code; declined, a
    /// problem with the reason and no code, the same to every retry.
    func inPlayAnswer(_ receipt: PlacementReceipt) async -> Result<TicketView, Problem> {
        let outcome: DelayDecider.Outcome
        if receipt.status == .declined {
            guard let declined = (try? await journal.ticket(receipt.bet.ticketID))??.declined else {
                return .failure(Problem(.journalUnavailable, detail: "ticket \(receipt.bet.ticketID) was declined; its decision could not be read"))
            }
            outcome = .declined(declined)
        } else {
            outcome = await delays.outcome(of: receipt.bet, isNew: !receipt.isReplay)
        }
        switch outcome {
        case .accepted:
            return .success(TicketView(bet: receipt.bet, status: .open, amount: 0, securityCode: receipt.securityCode,
                                       replayed: receipt.isReplay))
        case .declined(let decision):
            return .failure(Problem(.betDeclinedInDelay, detail: decision.detail, ticketId: decision.ticketID.description,
                                    declineReason: decision.declined?.rawValue))
        case .undecided(let why):
            // Recorded, not decided: the terminal must neither refund nor print; the answer is
            // the decision, to a retry with the same key.
            return .failure(Problem(.betPending, detail: """
                in-play bet \(receipt.bet.ticketID) is recorded and waiting out its delay, but was not decided on this request \
                (\(why)); retry with the same idempotency key for the decision, and take no stake back meanwhile
                """, ticketId: receipt.bet.ticketID.description))
        }
    }
}
