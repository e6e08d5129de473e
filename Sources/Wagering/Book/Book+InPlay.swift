extension Book {
    /// Decides an in-play bet at the end of its delay (docs/adr/0014-in-play-delay.md). The caller
    /// says when: after the delay has passed and central's feed has been heard since, so every
    /// suspension central made in the window is on the board. `giveUp`: the feed was not heard in
    /// time, and the bet is declined with that reason whatever the board says.
    ///
    /// Accepted only if, for every market of the bet, nothing happened during the delay (the
    /// change count is as taken, the market is open and still in or out of play as taken), no
    /// leg's price moved, no pre-match leg's event started, and the bet still fits every limit
    /// with its own reservation released. A bet is never struck again at another price: the
    /// ticket keeps the terms its `bet.placed` record holds.
    public mutating func decideDelayed(_ ticketID: TicketID, nowMillis: Int64,
                                       giveUp: DelayDeclineReason? = nil) throws(BookRefusal) -> Applied {
        guard let state = tickets[ticketID] else { throw .unknownTicket(ticketID) }
        guard state.status == .pending, let bet = pendingBets[ticketID], let delay = bet.inPlayDelay else {
            throw .notPending(ticketID, state.status)
        }
        var declined = giveUp.map { ($0, "central's feed was not heard after the delay in time") }
            ?? boardObjection(to: bet, delay, nowMillis: nowMillis)
        // Released first, so the bet is measured against everyone else's, not against itself.
        closeOpen(ticketID)
        tickets[ticketID] = nil
        let terms = state.terms
        if declined == nil {
            do {
                let contribution = try ExposureContribution(terms)
                try checkRisk(bet, contribution)
                insertOpen(ticketID, terms, contribution, awaitingVerdict: false)
            } catch {
                declined = (.limitAtDecision, "\(error)")
            }
        }
        let decision = DelayDecision(ticketID: ticketID, terminalID: bet.terminalID, declined: declined?.0,
                                     detail: declined?.1 ?? "nothing changed during the \(delay.seconds) s delay", atMillis: nowMillis)
        return Applied(.betDelayDecided(decision),
                       tickets: [TicketChange(ticketID: ticketID, status: declined == nil ? .open : .declined, amount: 0)], bets: [terms])
    }

    /// What on the board refuses the bet now, with the detail for the customer; nil if nothing.
    private func boardObjection(to bet: PlacedBet, _ delay: InPlayDelay, nowMillis: Int64) -> (DelayDeclineReason, String)? {
        for mark in delay.markets {
            guard let market = board.market(mark.marketID) else { return (.marketChanged, "market '\(mark.marketID)' left the board") }
            if market.changeCount != mark.changeCount || market.status != .open || market.inPlay != mark.inPlay {
                return (.marketChanged, "market '\(market.id)' changed during the delay (now \(market.status.rawValue)"
                    + "\(market.inPlay ? ", in play" : ""))")
            }
        }
        for leg in bet.legs {
            guard let market = board.market(leg.marketID), let selection = market.selection(leg.selectionID) else {
                return (.marketChanged, "selection '\(leg.selectionID)' left the board")
            }
            if selection.priceVersion != leg.priceVersion {
                return (.priceChanged, "\(selection.id) was \(leg.odds.decimalString), now \(selection.odds.decimalString)")
            }
            if !market.inPlay && nowMillis >= market.event.startsAtMillis {
                return (.eventStarted, "market '\(market.id)''s event started at \(market.event.startsAtMillis) ms")
            }
        }
        return nil
    }

    /// Replays a journaled decision as it was made: the limits and board it was made against are
    /// not re-applied, only the ticket moved from pending to open, or out of the book.
    mutating func replayDecision(_ decision: DelayDecision) throws(ReplayError) -> Applied {
        guard let state = tickets[decision.ticketID], state.status == .pending else {
            throw .diverged("delay decision on ticket \(decision.ticketID), which is not pending")
        }
        let terms = state.terms
        closeOpen(decision.ticketID)
        tickets[decision.ticketID] = nil
        if decision.isAccepted {
            do {
                insertOpen(decision.ticketID, terms, try ExposureContribution(terms), awaitingVerdict: false)
            } catch {
                throw .diverged("ticket \(decision.ticketID): \(error)")
            }
        }
        return Applied(.betDelayDecided(decision),
                       tickets: [TicketChange(ticketID: decision.ticketID, status: decision.isAccepted ? .open : .declined, amount: 0)],
                       bets: [terms])
    }
}
