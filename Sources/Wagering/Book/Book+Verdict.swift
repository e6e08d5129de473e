extension Book {
    /// Applies central's verdict on a bet taken offline (docs/adr/0012-payable-after-verdict.md).
    ///
    /// The verdict decides the ticket whatever has happened to it since: central judges when the
    /// pushed batch arrives, after reconnection, so a result published during the outage has
    /// usually settled the ticket first. A void owes the stake back whether the ticket was open,
    /// won or lost; a confirmation lets a win be paid and a loser be forgotten. A refund already
    /// paid (a staff void) stays paid: a void verdict owes the same stake.
    public mutating func applyVerdict(_ ticketID: TicketID, _ decision: VerdictDecision, reason: String?, detail: String,
                                      nowMillis: Int64) throws(BookRefusal) -> Applied {
        guard var state = tickets[ticketID] else { throw .unknownTicket(ticketID) }
        guard state.awaitingVerdict else { throw .noVerdictAwaited(ticketID) }
        let terms = state.terms
        let wasOpen = state.status == .open
        if decision == .voided, state.status == .open || state.status == .won || state.status == .lost {
            if wasOpen { closeOpen(ticketID) }
            state.status = .voided
            state.amountOwed = terms.totalStake
        }
        state.awaitingVerdict = false
        // The ticket leaves the book once nothing more can happen to it.
        tickets[ticketID] = state.status == .lost || state.status == .paid ? nil : state
        let overpaid = decision == .voided && state.paidAboveStake > 0 ? Money(minorUnits: state.paidAboveStake, currency: currency) : nil
        let verdict = TicketVerdict(ticketID: ticketID, decision: decision, reason: reason, detail: detail,
                                    amountOwed: Money(minorUnits: state.amountOwed, currency: currency), atMillis: nowMillis,
                                    overpaid: overpaid)
        let change = TicketChange(ticketID: ticketID, status: state.status, amount: state.amountOwed, verdict: decision)
        return Applied(.verdictApplied(verdict), tickets: [change], bets: wasOpen && state.status != .open ? [terms] : [])
    }

    /// Replays a journaled verdict: the ticket must be awaiting one, and the verdict must leave
    /// it owed what the record says.
    mutating func replayVerdict(_ verdict: TicketVerdict) throws(ReplayError) -> Applied {
        let applied: Applied
        do {
            applied = try applyVerdict(verdict.ticketID, verdict.decision, reason: verdict.reason, detail: verdict.detail,
                                       nowMillis: verdict.atMillis)
        } catch {
            throw .refused(error)
        }
        guard applied.event == .verdictApplied(verdict) else {
            throw .diverged("verdict on ticket \(verdict.ticketID) leaves it owed other than the record says")
        }
        return applied
    }
}
