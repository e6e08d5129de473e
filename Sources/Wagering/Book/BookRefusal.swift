/// Why the book would not do what it was asked. Each case names its subject and the figures
/// involved, so the terminal can show a reason and the technician can see what happened.
public enum BookRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case slip(SlipProblem)
    case unknownSelection(SelectionID)
    case marketNotOpen(MarketID, MarketStatus)
    /// A market not offered in play whose event has started: a bet now could know the outcome.
    case eventStarted(MarketID, startsAtMillis: Int64)
    case selectionWithdrawn(SelectionID)
    case oddsChanged([MovedPrice])
    case limit(LimitBreach)
    /// The appliance is offline and the bet breaks an offline limit.
    case offline(OfflineBreach)
    case currencyMismatch(expected: Currency, got: Currency)
    case amountOutOfRange(String)
    case board(BoardError)
    case outcome(OutcomeError)
    case resultNamesForeignSelection(SelectionID, MarketID)
    case unknownTicket(TicketID)
    case ticketNotOpen(TicketID, TicketStatus)
    case voidWindowPassed(TicketID, placedAtMillis: Int64, windowMillis: Int64)
    /// A staff void asked for once one of the ticket's legs is underway: its outcome may be known.
    case legUnderway(TicketID, MarketID, LegProgress)
    case ticketNotPayable(TicketID, TicketStatus)
    /// A win taken offline, not payable until central's verdict on it is journaled.
    case awaitingVerdict(TicketID)
    /// A verdict for a ticket that is not waiting for one: a second delivery of the same verdict.
    case noVerdictAwaited(TicketID)
    case securityCodeMismatch(TicketID)
    case selectionHasOpenBets(SelectionID)
    /// The book holds its most tickets (open, or settled and awaiting payout): a count, not money.
    case ticketCapReached(held: Int, limit: Int)
    /// As many in-play bets wait out their delay as the terminal, or the appliance, may hold.
    case pendingLimitReached(PendingLimit, held: Int, limit: Int)
    /// A decision asked for a ticket that is not waiting out an in-play delay.
    case notPending(TicketID, TicketStatus)

    public var description: String {
        switch self {
        case .slip(let problem): "bet slip: \(problem)"
        case .unknownSelection(let id): "selection '\(id)' is not on the board"
        case .marketNotOpen(let id, let status): "market '\(id)' is \(status.rawValue), not open"
        case .eventStarted(let id, let start):
            "market '\(id)' is not offered in play and its event started at \(start) ms: no bets after the start"
        case .selectionWithdrawn(let id): "selection '\(id)' has been withdrawn"
        case .oddsChanged(let moved): "odds changed: " + moved.map(\.description).joined(separator: "; ")
        case .limit(let breach): "limit exceeded: \(breach)"
        case .offline(let breach): "offline limit: \(breach)"
        case .currencyMismatch(let expected, let got): "stake in \(got), this appliance takes \(expected)"
        case .amountOutOfRange(let what): "amount out of range: \(what)"
        case .board(let error): error.description
        case .outcome(let error): error.description
        case .resultNamesForeignSelection(let selection, let market):
            "result names selection '\(selection)', which is not in market '\(market)'"
        case .unknownTicket(let id): "no ticket \(id) on this appliance"
        case .ticketNotOpen(let id, let status): "ticket \(id) is \(status.rawValue), only open tickets can be voided"
        case .voidWindowPassed(let id, let placed, let window):
            "ticket \(id) was placed at \(placed) ms; the void window of \(window / 1000) s has passed"
        case .legUnderway(let id, let market, let progress):
            "ticket \(id) can no longer be voided by staff: its leg on market '\(market)' \(progress)"
        case .ticketNotPayable(let id, let status): "ticket \(id) is \(status.rawValue): nothing to pay"
        case .awaitingVerdict(let id):
            "ticket \(id) was taken offline and is payable once central's verdict on it arrives; "
                + "the uplink must reach central (GET /v1/appliance shows its state)"
        case .noVerdictAwaited(let id): "ticket \(id) is not awaiting a verdict from central"
        case .securityCodeMismatch(let id): "the security code does not match ticket \(id)"
        case .selectionHasOpenBets(let id):
            "selection '\(id)' has open bets and cannot be dropped from its market; withdraw it instead (its bets settle void)"
        case .ticketCapReached(let held, let limit):
            "max_open_tickets: the appliance holds \(held) tickets open or awaiting payout, its limit of \(limit); "
                + "paying out winners and refunds frees places (the limit is journal.max_open_tickets)"
        case .pendingLimitReached(.perTerminal, let held, let limit):
            "this terminal has \(held) in-play bets waiting out their delay, its limit of \(limit); "
                + "place again once one is decided (in_play.max_pending_per_terminal)"
        case .pendingLimitReached(.appliance, let held, let limit):
            "the appliance holds \(held) in-play bets waiting out their delay, its limit of \(limit); "
                + "place again in a few seconds (in_play.max_pending)"
        case .notPending(let id, let status): "ticket \(id) is \(status.rawValue), not waiting out an in-play delay"
        }
    }
}

/// Which bound on in-play bets waiting out their delay was reached.
public enum PendingLimit: String, Hashable, Sendable {
    case perTerminal = "per_terminal"
    case appliance
}

/// How far a leg's market has gone, when that is too far for a staff void.
public enum LegProgress: Hashable, Sendable, CustomStringConvertible {
    case resulted
    case closed
    case suspended
    case inPlay
    case eventStarted(atMillis: Int64)

    public var description: String {
        switch self {
        case .resulted: "is resulted"
        case .closed: "is closed"
        case .suspended: "is suspended"
        case .inPlay: "is in play"
        case .eventStarted(let start): "has started (its event started at \(start) ms)"
        }
    }
}

/// A price that moved beyond what the bet's odds-change policy accepts.
public struct MovedPrice: Hashable, Sendable, Codable, CustomStringConvertible {
    public var selectionID: SelectionID
    public var seenOdds: Odds
    public var seenPriceVersion: UInt64
    public var currentOdds: Odds
    public var currentPriceVersion: UInt64

    public var description: String {
        "\(selectionID) was \(seenOdds.decimalString) (v\(seenPriceVersion)), now \(currentOdds.decimalString) (v\(currentPriceVersion))"
    }
}

/// Where a ticket is in its life.
public enum TicketStatus: String, Hashable, Sendable, Codable {
    /// Accepted, some legs not yet resulted.
    case open
    /// Settled with a return owed to the customer.
    case won
    /// Settled with nothing to pay.
    case lost
    /// Cancelled by staff; the stake is owed back.
    case voided
    /// Paid out. Final.
    case paid
    /// An in-play bet inside its delay, its exposure reserved: nothing settles, voids or pays it
    /// until it is decided (docs/adr/0014-in-play-delay.md).
    case pending
    /// An in-play bet refused at the end of its delay: the stake was never taken, nothing is
    /// owed. Final.
    case declined
}
