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
            outcome = await delays.outcome(of: receipt.bet)
        }
        switch outcome {
        case .accepted:
            return .success(TicketView(bet: receipt.bet, status: .open, amount: 0, securityCode: receipt.securityCode,
                                       replayed: receipt.isReplay))
        case .declined(let decision):
            return .failure(Problem(.betDeclinedInDelay, detail: decision.detail, ticketId: decision.ticketID.description,
                                    declineReason: decision.declined?.rawValue))
        case .undecided(let error):
            return .failure(Problem(error == .closed ? .intakeClosed : .journalUnavailable, detail: """
                in-play bet \(receipt.bet.ticketID) is waiting out its delay and was not decided (\(error)); \
                it is decided when the appliance runs again: retry with the same idempotency key for the answer
                """))
        }
    }
}
