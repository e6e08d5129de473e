extension Book {
    /// An empty book for replaying a journal: limits are not applied to journaled facts, so none
    /// are set. Never used to take bets.
    public static func forReplay(currency: Currency) -> Book {
        let none = TerminalLimits(maxStakePerBet: .max, maxOpenStake: .max)
        return Book(currency: currency,
                    limits: BettingLimits(minStakePerLine: 0, maxStakePerBet: .max, maxPayoutPerBet: .max,
                                          maxLiabilityPerSelection: .max, maxLiabilityPerMarket: .max, terminalDefaults: none),
                    maxOpenTickets: .max)
    }

    /// Applies a journaled fact. Facts were checked when they happened, so limits are not
    /// re-applied (they may have changed since); only what would make the book inconsistent is
    /// refused, and that means the journal and the book disagree.
    @discardableResult
    public mutating func replay(_ event: LedgerEvent) throws(ReplayError) -> Applied {
        switch event {
        case .marketPublished(let market):
            let applied = try replaying { () throws(BookRefusal) in try publish(market) }
            // A record written before markets had a change count has none; the count replayed
            // stands (the v6 migration wrote it into the markets table).
            var journaled = market
            if case .marketPublished(let stored) = applied.event, market.changeCount == 0 { journaled.changeCount = stored.changeCount }
            guard case .marketPublished(let stored) = applied.event, stored == journaled else {
                throw .diverged("market \(market.id) republished with different price versions")
            }
            return applied
        case .priceChanged(let change):
            let applied = try replaying { () throws(BookRefusal) in try changePrice(of: change.selectionID, to: change.odds) }
            guard applied.event == event else { throw .diverged("price version of \(change.selectionID)") }
            return applied
        case .marketStatusChanged(let change):
            return try replaying { () throws(BookRefusal) in try setStatus(of: change.marketID, to: change.status, inPlay: change.inPlay) }
        case .selectionWithdrawn(let withdrawal):
            return try replaying { () throws(BookRefusal) in try withdraw(withdrawal.selectionID) }
        case .betPlaced(let bet):
            guard tickets[bet.ticketID] == nil else { throw .diverged("ticket \(bet.ticketID) placed twice") }
            let terms = try journaledTerms(bet)
            let status: TicketStatus = bet.inPlayDelay == nil ? .open : .pending
            try openJournaled(bet, terms, status: status)
            return Applied(event, tickets: [TicketChange(ticketID: bet.ticketID, status: status, amount: 0)], bets: [terms])
        case .betDelayDecided(let decision):
            return try replayDecision(decision)
        case .marketResulted(let result):
            return try replaying { () throws(BookRefusal) in try self.result(result) }
        case .ticketVoided(let voided):
            guard tickets[voided.ticketID]?.status == .open else { throw .diverged("void of ticket \(voided.ticketID), which is not open") }
            return applyVoid(voided)
        case .ticketPaid(let payment):
            guard let state = tickets[payment.ticketID], state.status == .won || state.status == .voided,
                  state.amountOwed == payment.amount.minorUnits
            else { throw .diverged("payment of ticket \(payment.ticketID), which was not owed \(payment.amount)") }
            guard !(state.status == .won && state.awaitingVerdict) || payment.beforeVerdict == true else {
                throw .diverged("payment of ticket \(payment.ticketID), a win still awaiting central's verdict")
            }
            return applyPayment(payment)
        case .verdictApplied(let verdict):
            return try replayVerdict(verdict)
        case .significant(let significant):
            return record(significant)
        }
    }

}

private func replaying(_ body: () throws(BookRefusal) -> Applied) throws(ReplayError) -> Applied {
    do { return try body() } catch { throw .refused(error) }
}

public enum ReplayError: Error, Hashable, Sendable, CustomStringConvertible {
    case refused(BookRefusal)
    case diverged(String)

    public var description: String {
        switch self {
        case .refused(let refusal): "a journaled fact no longer applies: \(refusal)"
        case .diverged(let what): "journal and book disagree: \(what)"
        }
    }
}

/// A ticket as the journal's derived tables hold it, for ``Book/restore(markets:results:tickets:)``.
public struct StoredTicket: Sendable {
    public var bet: PlacedBet
    public var status: TicketStatus
    public var amountOwed: Int64
    /// Taken offline, and central's verdict not yet journaled.
    public var awaitingVerdict: Bool

    public init(bet: PlacedBet, status: TicketStatus, amountOwed: Int64, awaitingVerdict: Bool = false) {
        self.bet = bet
        self.status = status
        self.amountOwed = amountOwed
        self.awaitingVerdict = awaitingVerdict
    }
}

extension Book {
    /// Loads a book from saved state (the journal's derived tables) instead of replaying every
    /// record: the board as stored, the results of resulted markets, and the unfinished tickets
    /// (lost and paid ones too while they await central's verdict).
    /// Exposure is recomputed from the open tickets. Only for an empty book.
    public mutating func restore(markets: [Market], results: [MarketResult], tickets stored: [StoredTicket]) throws(ReplayError) {
        precondition(tickets.isEmpty && board.markets.isEmpty, "restore is for an empty book")
        for market in markets {
            do { try board.restore(market) } catch { throw .refused(.board(error)) }
        }
        let resultByMarket = Dictionary(results.map { ($0.marketID, $0) }, uniquingKeysWith: { first, _ in first })
        for ticket in stored {
            let ticketID = ticket.bet.ticketID
            let terms = try journaledTerms(ticket.bet)
            switch ticket.status {
            case .pending:
                guard ticket.bet.inPlayDelay != nil else { throw .diverged("ticket \(ticketID) is pending but has no in-play delay") }
                try openJournaled(ticket.bet, terms, status: .pending)
            case .declined:
                throw .diverged("ticket \(ticketID) is declined and should not be restored")
            case .open:
                try openJournaled(ticket.bet, terms, status: .open, awaitingVerdict: ticket.awaitingVerdict)
                for marketID in terms.marketIDs {
                    guard let result = resultByMarket[marketID], let market = board.market(marketID) else { continue }
                    tickets[ticketID]!.recordOutcomes(of: result, in: market)
                }
            case .won, .voided:
                self.tickets[ticketID] = TicketState(terms: terms, outcomes: [], status: ticket.status, amountOwed: ticket.amountOwed,
                                                     awaitingVerdict: ticket.awaitingVerdict)
            case .lost, .paid:
                guard ticket.awaitingVerdict else {
                    throw .diverged("ticket \(ticketID) is \(ticket.status.rawValue) and should not be restored")
                }
                self.tickets[ticketID] = TicketState(terms: terms, outcomes: [], status: ticket.status, amountOwed: ticket.amountOwed,
                                                     awaitingVerdict: true)
            }
        }
    }

    /// A journaled bet's terms; the book keeps amounts in its own currency, so a bet in another
    /// means the journal and the book disagree.
    private func journaledTerms(_ bet: PlacedBet) throws(ReplayError) -> TicketTerms {
        guard bet.totalStake.currency == currency else { throw .diverged("ticket \(bet.ticketID) in \(bet.totalStake.currency)") }
        return TicketTerms(bet)
    }

    /// Opens a journaled ticket as placing did, without the limits (they applied when it happened).
    private mutating func openJournaled(_ bet: PlacedBet, _ terms: TicketTerms, status: TicketStatus,
                                        awaitingVerdict: Bool? = nil) throws(ReplayError) {
        let contribution: ExposureContribution
        do { contribution = try ExposureContribution(terms) } catch { throw .diverged("ticket \(bet.ticketID): \(error)") }
        insertOpen(bet.ticketID, terms, contribution, status: status, awaitingVerdict: awaitingVerdict ?? (bet.verdictRequired == true))
        if status == .pending { holdPending(bet) }
    }
}
