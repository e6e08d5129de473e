import Journal
import TerminalProtocol
import Wagering

/// What a terminal is told for each way the journal or the book refuses (docs/terminal-api.md,
/// "Refusals").
enum ProblemMapping {
    static func problem(for error: JournalError) -> Problem {
        switch error {
        case .refused(let refusal): return problem(for: refusal)
        case .idempotencyConflict(_, let key, let ticket):
            return Problem(.idempotencyConflict,
                           detail: "idempotency key '\(key)' already made ticket \(ticket) with a different slip; use a new key for a new bet",
                           field: "idempotencyKey", ticketId: ticket.description)
        case .queueFull: return Problem(.busy, detail: error.description)
        case .closed: return Problem(.intakeClosed, detail: error.description)
        case .storage: return Problem(.journalUnavailable, detail: error.description)
        }
    }

    static func problem(for refusal: BookRefusal) -> Problem {
        let detail = refusal.description
        switch refusal {
        case .slip: return Problem(.invalidSlip, detail: detail)
        case .unknownSelection: return Problem(.unknownSelection, detail: detail)
        case .marketNotOpen, .eventStarted: return Problem(.marketNotOpen, detail: detail)
        case .selectionWithdrawn: return Problem(.selectionWithdrawn, detail: detail)
        case .oddsChanged(let moved):
            return Problem(.oddsChanged, detail: detail, movedPrices: moved.map { price in
                MovedPriceView(selectionId: price.selectionID.rawValue, seenPrice: PriceView(price.seenOdds),
                               seenPriceVersion: price.seenPriceVersion, currentPrice: PriceView(price.currentOdds),
                               currentPriceVersion: price.currentPriceVersion)
            })
        case .limit(let breach):
            return Problem(.limitExceeded, detail: detail,
                           limit: LimitView(name: breach.limit.rawValue, limit: MoneyView(breach.limitAmount),
                                            attempted: MoneyView(breach.attempted), subject: breach.subject))
        case .offline(let breach):
            return Problem(.offlineLimit, detail: detail,
                           limit: breach.limitAmount.flatMap { limit in
                               breach.attempted.map { LimitView(name: breach.limit.rawValue, limit: MoneyView(limit), attempted: MoneyView($0), subject: nil) }
                           })
        case .ticketCapReached: return Problem(.limitExceeded, detail: detail)
        case .pendingLimitReached: return Problem(.tooManyPendingBets, detail: detail)
        case .currencyMismatch: return Problem(.invalidSlip, detail: detail, field: "stakePerLine.currency")
        case .amountOutOfRange: return Problem(.invalidSlip, detail: detail)
        case .unknownTicket: return Problem(.ticketNotFound, detail: detail)
        case .ticketNotOpen: return Problem(.ticketNotOpen, detail: detail)
        // A leg underway closes the void window early; the detail names the leg.
        case .voidWindowPassed, .legUnderway: return Problem(.voidWindowPassed, detail: detail)
        case .ticketNotPayable: return Problem(.ticketNotPayable, detail: detail)
        case .awaitingVerdict: return Problem(.awaitingVerdict, detail: detail)
        // Central's feed only: a terminal never sends a verdict.
        case .noVerdictAwaited: return Problem(.malformedRequest, detail: detail)
        // The appliance's own decider only: a terminal never asks for a decision.
        case .notPending: return Problem(.malformedRequest, detail: detail)
        case .securityCodeMismatch: return Problem(.securityCodeMismatch, detail: detail)
        case .board, .outcome, .resultNamesForeignSelection, .selectionHasOpenBets:
            return Problem(.malformedRequest, detail: detail)
        }
    }
}
