/// The bookmaker's state on one appliance: the board, the open tickets and the exposure they
/// create. Pure and deterministic: no clock, randomness or I/O (time, ticket ids and security
/// digests come in as arguments), so the journal can replay it and tests can drive it.
///
/// Every command checks everything before it changes anything: it either throws a
/// ``BookRefusal`` and leaves the book as it was, or applies and returns the ``Applied`` fact to
/// journal. ``replay(_:)`` applies a journaled fact through the same mutations.
///
/// Memory is bounded by what is unfinished: tickets leave the book once lost or paid (the
/// journal's derived tables still answer lookups for them), and ``maxOpenTickets`` caps the rest.
public struct Book: Sendable {
    public let currency: Currency
    public var limits: BettingLimits
    /// How long bets with an in-play leg wait, and how many may wait at once.
    public var inPlayRules = InPlayRules.standard
    public let maxOpenTickets: Int
    public internal(set) var board = Board()
    public internal(set) var exposure = Exposure()
    public internal(set) var tickets: [TicketID: TicketState] = [:]
    var ticketsByMarket: [MarketID: Set<TicketID>] = [:]
    var openStakeByTerminal: [TerminalID: Int64] = [:]
    /// Tickets still open or pending (the rest of `tickets` are owed money).
    public internal(set) var openTicketCount = 0
    /// The pending tickets' bets, whose delay marks their decision compares with the board; at
    /// most `inPlayRules.maxPending`.
    public internal(set) var pendingBets: [TicketID: PlacedBet] = [:]
    var pendingByTerminal: [TerminalID: Int] = [:]

    public init(currency: Currency, limits: BettingLimits, maxOpenTickets: Int) {
        precondition(maxOpenTickets > 0, "maxOpenTickets must be positive")
        self.currency = currency
        self.limits = limits
        self.maxOpenTickets = maxOpenTickets
    }

    public func ticket(_ id: TicketID) -> TicketState? { tickets[id] }

    public func openStake(of terminal: TerminalID) -> Int64 { openStakeByTerminal[terminal, default: 0] }

    // MARK: Board commands

    /// Adds or replaces a market. A replacement may not drop a selection that open bets are on:
    /// they could then never be resulted; withdraw it instead (its bets settle void).
    public mutating func publish(_ market: Market) throws(BookRefusal) -> Applied {
        // A market published as settled would never settle its tickets: `result` refuses a
        // settled market, so they would stay open, holding exposure and stake for good.
        guard market.status != .settled else { throw .board(.settledOnlyByResult(market.id)) }
        if let previous = board.market(market.id) {
            for dropped in previous.selections where market.selection(dropped.id) == nil {
                let hasOpenBets = ticketsByMarket[market.id]?.contains { ticket in
                    tickets[ticket]?.terms.legs.contains { $0.selectionID == dropped.id } == true
                } ?? false
                if hasOpenBets { throw .selectionHasOpenBets(dropped.id) }
            }
        }
        var trial = board
        let stored: Market
        do { stored = try trial.publish(market) } catch { throw .board(error) }
        board = trial
        return Applied(.marketPublished(stored), markets: [stored.id])
    }

    public mutating func changePrice(of selection: SelectionID, to odds: Odds) throws(BookRefusal) -> Applied {
        let changed: Selection
        do { changed = try board.changePrice(of: selection, to: odds) } catch { throw .board(error) }
        let marketID = board.market(containing: selection)!.id
        return Applied(.priceChanged(PriceChange(selectionID: selection, odds: changed.odds, priceVersion: changed.priceVersion)),
                       markets: [marketID])
    }

    public mutating func setStatus(of market: MarketID, to status: MarketStatus, inPlay: Bool? = nil) throws(BookRefusal) -> Applied {
        guard status != .settled else { throw .board(.settledOnlyByResult(market)) }
        do { try board.setStatus(of: market, to: status, inPlay: inPlay) } catch { throw .board(error) }
        return Applied(.marketStatusChanged(MarketStatusChange(marketID: market, status: status, inPlay: inPlay)), markets: [market])
    }

    public mutating func withdraw(_ selection: SelectionID) throws(BookRefusal) -> Applied {
        do { try board.withdraw(selection) } catch { throw .board(error) }
        let marketID = board.market(containing: selection)!.id
        return Applied(.selectionWithdrawn(SelectionWithdrawal(selectionID: selection)), markets: [marketID])
    }

    public mutating func record(_ event: SignificantEvent) -> Applied {
        Applied(.significant(event))
    }
}

/// What a command or replay did: the fact to journal and what it touched, so the journal can
/// update exactly those rows of its derived tables.
public struct Applied: Hashable, Sendable {
    public var event: LedgerEvent
    /// Tickets whose status or amount changed, with their new status.
    public var tickets: [TicketChange]
    /// Markets whose board entry or exposure changed.
    public var markets: Set<MarketID>
    /// Selections whose exposure changed.
    public var selections: Set<SelectionID>

    init(_ event: LedgerEvent, tickets: [TicketChange] = [], markets: Set<MarketID> = [], bets: [TicketTerms] = []) {
        self.event = event
        self.tickets = tickets
        self.markets = markets
        self.selections = []
        for bet in bets {
            for leg in bet.legs {
                self.markets.insert(leg.marketID)
                self.selections.insert(leg.selectionID)
            }
        }
    }
}

public struct TicketChange: Hashable, Sendable {
    public var ticketID: TicketID
    public var status: TicketStatus
    public var amount: Int64
    /// Set when this change is central's verdict on the ticket.
    public var verdict: VerdictDecision? = nil
}
