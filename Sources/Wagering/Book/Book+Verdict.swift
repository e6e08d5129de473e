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
        guard let state = tickets[ticketID] else { throw .unknownTicket(ticketID) }
        guard state.awaitingVerdict else { throw .noVerdictAwaited(ticketID) }
        var owed = state.amountOwed
        var status = state.status
        let wasOpen = status == .open
        if decision == .voided, status == .open || status == .won || status == .lost {
            if wasOpen { closeOpen(ticketID) }
            status = .voided
            owed = state.terms.totalStake
        }
        let verdict = TicketVerdict(ticketID: ticketID, decision: decision, reason: reason, detail: detail,
                                    amountOwed: Money(minorUnits: owed, currency: currency), atMillis: nowMillis)
        return record(verdict, status: status, exposureChanged: wasOpen && status != .open)
    }

    /// Records the decided state; the ticket leaves the book once nothing more can happen to it.
    private mutating func record(_ verdict: TicketVerdict, status: TicketStatus, exposureChanged: Bool) -> Applied {
        let ticketID = verdict.ticketID
        guard var state = tickets[ticketID] else { preconditionFailure("verdict for ticket \(ticketID), which was checked") }
        let terms = state.terms
        state.awaitingVerdict = false
        state.status = status
        state.amountOwed = verdict.amountOwed.minorUnits
        let finished = status == .lost || status == .paid
        tickets[ticketID] = finished ? nil : state
        let change = TicketChange(ticketID: ticketID, status: status, amount: verdict.amountOwed.minorUnits, verdict: verdict.decision)
        return Applied(.verdictApplied(verdict), tickets: [change], bets: exposureChanged ? [terms] : [])
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
