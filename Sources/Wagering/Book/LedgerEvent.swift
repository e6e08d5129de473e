/// A fact the book has accepted: one journal record each. Replaying these, in order, from an
/// empty book gives back the same book (Book.replay).
public enum LedgerEvent: Hashable, Sendable {
    case marketPublished(Market)
    case priceChanged(PriceChange)
    case marketStatusChanged(MarketStatusChange)
    case selectionWithdrawn(SelectionWithdrawal)
    case betPlaced(PlacedBet)
    /// The end of an in-play bet's delay: accepted or declined.
    case betDelayDecided(DelayDecision)
    case marketResulted(MarketResult)
    case ticketVoided(TicketVoid)
    case ticketPaid(TicketPayment)
    /// Central's verdict on a bet taken offline, as it changed the ticket.
    case verdictApplied(TicketVerdict)
    /// Something an operator must be able to see later (mode change, power, uplink, console
    /// login). It changes nothing in the book.
    case significant(SignificantEvent)

    /// The journal's `kind` column; stable, as central reads it.
    public var kind: String {
        switch self {
        case .marketPublished: "market.published"
        case .priceChanged: "market.price_changed"
        case .marketStatusChanged: "market.status_changed"
        case .selectionWithdrawn: "market.selection_withdrawn"
        case .betPlaced: "bet.placed"
        case .betDelayDecided: "bet.delay_decided"
        case .marketResulted: "market.resulted"
        case .ticketVoided: "ticket.voided"
        case .ticketPaid: "ticket.paid"
        case .verdictApplied: "ticket.verdict"
        case .significant: "appliance.event"
        }
    }
}

public struct PriceChange: Hashable, Sendable, Codable {
    public var selectionID: SelectionID
    public var odds: Odds
    /// The version after the change (the board assigns it; carried for audit).
    public var priceVersion: UInt64
}

public struct MarketStatusChange: Hashable, Sendable, Codable {
    public var marketID: MarketID
    public var status: MarketStatus
    public var inPlay: Bool?
}

public struct SelectionWithdrawal: Hashable, Sendable, Codable {
    public var selectionID: SelectionID
}

/// The result of a market: an outcome per selection. A selection left out lost, unless it was
/// withdrawn (void).
public struct MarketResult: Hashable, Sendable, Codable {
    public var marketID: MarketID
    public var outcomes: [SelectionID: Outcome]

    public init(marketID: MarketID, outcomes: [SelectionID: Outcome]) {
        self.marketID = marketID
        self.outcomes = outcomes
    }

    /// The outcome of one of `market`'s selections under this result.
    public func outcome(of selection: SelectionID, in market: Market) -> Outcome {
        if let stated = outcomes[selection] { return stated }
        return market.selection(selection)?.status == .withdrawn ? .void : .lose
    }
}

public struct TicketVoid: Hashable, Sendable, Codable {
    public var ticketID: TicketID
    public var terminalID: TerminalID
    public var reason: String
    public var refund: Money
    public var atMillis: Int64
}

public struct TicketPayment: Hashable, Sendable, Codable {
    public var ticketID: TicketID
    public var terminalID: TerminalID
    public var amount: Money
    public var atMillis: Int64
    /// True for a win taken offline paid before central's verdict, as the venue's
    /// `pay_before_verdict_up_to` allows: journaled, so central can tell the payout it must
    /// watch from an ordinary one. Absent otherwise, so earlier records read the same.
    public var beforeVerdict: Bool?

    public init(ticketID: TicketID, terminalID: TerminalID, amount: Money, atMillis: Int64, beforeVerdict: Bool? = nil) {
        self.ticketID = ticketID
        self.terminalID = terminalID
        self.amount = amount
        self.atMillis = atMillis
        self.beforeVerdict = beforeVerdict
    }
}

/// How much of an offline win may be paid before central's verdict (the venue's
/// `offline.pay_before_verdict_up_to` and `offline.pay_before_verdict_total`): at most
/// `perTicket` owed on the ticket, and at most `total` paid above their stakes over every such
/// win still awaiting its verdict. `.none` waits for every verdict.
public struct EarlyPayoutLimits: Hashable, Sendable {
    public var perTicket: Int64
    public var total: Int64

    public init(perTicket: Int64, total: Int64) {
        self.perTicket = perTicket
        self.total = total
    }

    public static let none = EarlyPayoutLimits(perTicket: 0, total: 0)
}

/// Central's decision on a bet taken offline (docs/sync-protocol.md, "Verdicts").
public enum VerdictDecision: String, Hashable, Sendable, Codable {
    case confirmed
    case voided
}

public struct TicketVerdict: Hashable, Sendable, Codable {
    public var ticketID: TicketID
    public var decision: VerdictDecision
    /// Central's reason code for a void (`stale_odds`, `market_resulted`...), and its explanation.
    public var reason: String?
    public var detail: String
    /// What the ticket is owed after the verdict: for a void its stake, whatever it had won or
    /// lost; for a confirmation what it was owed before.
    public var amountOwed: Money
    public var atMillis: Int64
    /// For a void of a win already paid before the verdict: what was paid above the stake the
    /// void owes, the venue's loss. Absent otherwise.
    public var overpaid: Money?

    /// How a ticket this verdict voided explains itself to staff and terminals.
    public var voidReason: String { "central: \(reason ?? "voided"): \(detail)" }
}

public struct SignificantEvent: Hashable, Sendable, Codable {
    /// A dotted category, e.g. "power.on_battery", "uplink.lost", "console.login_failed".
    public var category: String
    public var message: String
    public var atMillis: Int64

    public init(category: String, message: String, atMillis: Int64) {
        self.category = category
        self.message = message
        self.atMillis = atMillis
    }
}
