extension Book {
    /// Results a market and settles every ticket whose legs are now all resulted. A selection the
    /// result leaves out lost, unless it was withdrawn (void).
    public mutating func result(_ result: MarketResult) throws(BookRefusal) -> Applied {
        guard let market = board.market(result.marketID) else { throw .board(.unknownMarket(result.marketID)) }
        guard market.status != .settled else { throw .board(.marketAlreadySettled(market.id)) }
        for (selection, outcome) in result.outcomes {
            guard market.selection(selection) != nil else { throw .resultNamesForeignSelection(selection, market.id) }
            do { try outcome.validate() } catch { throw .outcome(error) }
        }
        return applyResult(result)
    }

    mutating func applyResult(_ result: MarketResult) -> Applied {
        guard let market = board.market(result.marketID) else { preconditionFailure("result for unknown market was validated") }
        try! board.setStatus(of: market.id, to: .settled)
        var changes: [TicketChange] = []
        var settled: [TicketTerms] = []
        for ticketID in (ticketsByMarket[market.id] ?? []).sorted() {
            // A pending bet is not yet accepted: its decision, seeing the market settled, declines it.
            guard var state = tickets[ticketID], state.status != .pending else { continue }
            state.recordOutcomes(of: result, in: market)
            tickets[ticketID] = state
            if state.allLegsResulted {
                changes.append(settle(ticketID))
                settled.append(state.terms)
            }
        }
        return Applied(.marketResulted(result), tickets: changes, markets: [market.id], bets: settled)
    }

    /// All legs resulted: computes the return exactly and rounds it down once (docs/wagering.md).
    private mutating func settle(_ ticketID: TicketID) -> TicketChange {
        guard var state = tickets[ticketID] else { preconditionFailure("settling unknown ticket") }
        let factors = zip(state.terms.legs, state.outcomes).map { leg, outcome in outcome!.factor(struck: leg.odds) }
        // Cannot exceed the potential return (every factor is at most the leg's odds), which fit.
        let payout = try! Returns.total(stakePerLine: state.terms.stakePerLine, lines: state.terms.lines, factors: factors)
        closeOpen(ticketID)
        state.status = payout > 0 ? .won : .lost
        state.amountOwed = payout
        // A loser is forgotten, unless central's verdict is still to come and may void it.
        tickets[ticketID] = payout > 0 || state.awaitingVerdict ? state : nil
        return TicketChange(ticketID: ticketID, status: state.status, amount: payout)
    }

    /// Staff cancel an open ticket within `windowMillis` of its placing, and only while none of its
    /// legs is underway (docs/wagering.md, "Voids"): once a leg's event has started, or its market
    /// is in play, suspended, closed or resulted, its outcome may be known, and a refund then is a
    /// free bet.
    /// The stake is owed back.
    public mutating func void(_ ticketID: TicketID, by terminal: TerminalID, reason: String,
                              nowMillis: Int64, windowMillis: Int64) throws(BookRefusal) -> Applied {
        guard let state = tickets[ticketID] else { throw .unknownTicket(ticketID) }
        guard state.status == .open else { throw .ticketNotOpen(ticketID, state.status) }
        guard nowMillis - state.terms.placedAtMillis <= windowMillis else {
            throw .voidWindowPassed(ticketID, placedAtMillis: state.terms.placedAtMillis, windowMillis: windowMillis)
        }
        for (index, leg) in state.terms.legs.enumerated() {
            if let progress = progress(of: leg, resulted: state.outcomes.indices.contains(index) && state.outcomes[index] != nil,
                                       nowMillis: nowMillis) {
                throw .legUnderway(ticketID, leg.marketID, progress)
            }
        }
        return applyVoid(TicketVoid(ticketID: ticketID, terminalID: terminal, reason: reason,
                                    refund: Money(minorUnits: state.terms.totalStake, currency: currency), atMillis: nowMillis))
    }

    /// Nil while the leg is still before its start: market open, not in play, event not started
    /// by `nowMillis`.
    private func progress(of leg: StruckLeg, resulted: Bool, nowMillis: Int64) -> LegProgress? {
        if resulted { return .resulted }
        guard let market = board.market(leg.marketID) else {
            // The book never removes a market, so an open ticket's markets are on its board.
            assertionFailure("open ticket's market \(leg.marketID) is not on the board")
            return .closed
        }
        switch market.status {
        case .settled: return .resulted
        case .closed: return .closed
        // A suspension is news the customer may have heard first (a late withdrawal, a goal).
        case .suspended: return .suspended
        case .open: break
        }
        if market.inPlay { return .inPlay }
        if market.event.startsAtMillis <= nowMillis { return .eventStarted(atMillis: market.event.startsAtMillis) }
        return nil
    }

    mutating func applyVoid(_ voided: TicketVoid) -> Applied {
        let terms = tickets[voided.ticketID]!.terms
        closeOpen(voided.ticketID)
        tickets[voided.ticketID]?.status = .voided
        tickets[voided.ticketID]?.amountOwed = voided.refund.minorUnits
        return Applied(.ticketVoided(voided),
                       tickets: [TicketChange(ticketID: voided.ticketID, status: .voided, amount: voided.refund.minorUnits)],
                       bets: [terms])
    }

    /// Pays what a won or voided ticket is owed, once, to the holder of its security code. A win
    /// taken offline waits for central's verdict, which may void it, unless `early` allows it
    /// (the venue's `pay_before_verdict_*`, none by default): then it is paid, and the payment
    /// says so. A refund never waits, since a void verdict owes the same stake back.
    public mutating func pay(_ ticketID: TicketID, code: SecurityDigest, at terminal: TerminalID,
                             nowMillis: Int64, early: EarlyPayoutLimits = .none) throws(BookRefusal) -> Applied {
        guard let state = tickets[ticketID] else { throw .unknownTicket(ticketID) }
        guard state.status == .won || state.status == .voided else { throw .ticketNotPayable(ticketID, state.status) }
        let beforeVerdict = state.status == .won && state.awaitingVerdict
        if beforeVerdict { try admitEarly(ticketID, state, early) }
        guard state.terms.securityDigest.matches(code) else { throw .securityCodeMismatch(ticketID) }
        let payment = TicketPayment(ticketID: ticketID, terminalID: terminal, amount: Money(minorUnits: state.amountOwed, currency: currency),
                                    atMillis: nowMillis, beforeVerdict: beforeVerdict ? true : nil)
        return applyPayment(payment)
    }

    /// A win paid before its verdict is money a void cannot take back, so it must be small on its
    /// own and, with every other such win still awaiting its verdict, small in total (one large
    /// win split over many tickets is still large). A win owed less than its stake (a dead heat)
    /// waits: a void would owe the customer more than was paid.
    private func admitEarly(_ ticketID: TicketID, _ state: TicketState, _ early: EarlyPayoutLimits) throws(BookRefusal) {
        guard state.amountOwed <= early.perTicket, state.amountOwed >= state.terms.totalStake else { throw .awaitingVerdict(ticketID) }
        guard paidBeforeVerdictAtRisk + state.amountOwed - state.terms.totalStake <= early.total else { throw .awaitingVerdict(ticketID) }
    }

    /// What wins paid before their verdicts, still awaiting them, were paid above their stakes:
    /// what voids of them all would cost. Summed when asked, not kept, so it needs no restoring;
    /// it is asked only for an early payout, rare, and those tickets are the few paid ones left
    /// in the book.
    var paidBeforeVerdictAtRisk: Int64 {
        tickets.values.reduce(0) { sum, ticket in ticket.awaitingVerdict ? sum + ticket.paidAboveStake : sum }
    }

    mutating func applyPayment(_ payment: TicketPayment) -> Applied {
        if tickets[payment.ticketID]?.awaitingVerdict == true {
            // A refund, or a small win the venue pays early, paid before the verdict: kept, paid,
            // so the verdict still finds it. Its amount is what was paid, as the tickets table has
            // it, so a book restored from the table and one replayed from the records agree.
            tickets[payment.ticketID]?.status = .paid
            tickets[payment.ticketID]?.amountOwed = payment.amount.minorUnits
        } else {
            tickets[payment.ticketID] = nil
        }
        return Applied(.ticketPaid(payment),
                       tickets: [TicketChange(ticketID: payment.ticketID, status: .paid, amount: payment.amount.minorUnits)])
    }
}
