public import Wagering

/// A change to the book, submitted to the journal; applied in submission order.
public enum JournalCommand: Sendable {
    case place(BetRequest)
    case publish(Market)
    case changePrice(SelectionID, Odds)
    case setStatus(MarketID, MarketStatus, inPlay: Bool?)
    case withdraw(SelectionID)
    case result(MarketResult)
    /// A staff void: within the window, and only while no leg is underway.
    case void(TicketID, by: TerminalID, reason: String, windowMillis: Int64)
    /// Central's verdict on a bet taken offline, whenever it arrives (docs/adr/0012).
    case verdict(TicketID, VerdictDecision, reason: String?, detail: String)
    /// A payout. `early`: how much of an offline win may be paid before central's verdict (the
    /// venue's setting); such a payment is journaled as one.
    case pay(TicketID, code: SecurityCode, at: TerminalID, early: EarlyPayoutLimits = .none)
    /// The end of an in-play bet's delay (docs/adr/0014-in-play-delay.md): the caller asks once
    /// the delay has passed and central's feed was heard after it; `giveUp` declines it because
    /// the feed was not heard in time.
    case decideDelayed(TicketID, giveUp: DelayDeclineReason?)
    case record(category: String, message: String)
    /// New betting limits for bets from now on (central's feed); journaled as a limits.changed
    /// event. Bets already taken are not re-checked.
    case setLimits(BettingLimits)
}

/// What an acknowledged command left in the journal. Returned only after the transaction that
/// holds its record committed with `synchronous=FULL`.
public enum CommandOutcome: Sendable {
    case placed(PlacementReceipt)
    case journaled(JournaledFact)
}

/// An accepted bet: its ticket, the code to print on it, and the record that holds it.
public struct PlacementReceipt: Sendable, Hashable {
    public var bet: PlacedBet
    /// Nil only for a retry of a bet placed under an earlier ticket key (a restore without it,
    /// docs/disaster-recovery.md): the code printed then still validates, since each ticket keeps
    /// its code's digest, but it cannot be derived again.
    public var securityCode: SecurityCode?
    public var seq: Int64
    /// True when this answers a retry: the bet was placed by an earlier request with the same
    /// idempotency key, and no new bet was made.
    public var isReplay: Bool
    /// Where the ticket stands now: open for a new bet, or pending while an in-play bet waits out
    /// its delay; for a retry, whatever has happened to it since (won, paid, voided, declined...),
    /// so a late retry never shows a paid ticket as open.
    public var status: TicketStatus
    /// Owed (won, voided) or paid (paid); zero while open or lost.
    public var amount: Int64
}

public struct JournaledFact: Sendable, Hashable {
    public var seq: Int64
    public var applied: Applied
}
