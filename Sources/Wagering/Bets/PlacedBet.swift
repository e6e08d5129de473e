/// A bet as accepted: what the ticket shows and what settlement needs. Carried whole in the
/// journal's `bet.placed` record, so the bet can be rebuilt from the journal alone.
public struct PlacedBet: Hashable, Sendable, Codable {
    public var ticketID: TicketID
    public var terminalID: TerminalID
    /// The terminal's idempotency key: with the terminal id, the bet's one identity end to end.
    public var idempotencyKey: String
    /// SHA-256 of the slip as requested, to tell an honest retry from a reused key.
    public var requestDigest: Digest256
    public var kind: BetKind
    public var legs: [PlacedLeg]
    public var stakePerLine: Money
    public var totalStake: Money
    /// The return if every leg wins, rounded down to the minor unit.
    public var potentialReturn: Money
    public var oddsChangePolicy: OddsChangePolicy
    public var placedAtMillis: Int64
    public var securityDigest: SecurityDigest
    /// True for a bet taken while central could not be reached (under ``OfflineTerms``); central
    /// gives such bets a verdict. Absent (nil) in records written before offline limits existed.
    public var takenOffline: Bool?
    /// True for a bet that is payable only once central's verdict on it has been journaled
    /// (docs/adr/0012). Every bet taken offline is; absent in records written before the rule,
    /// whose verdicts were applied under the rule of their day, so replaying them holds no
    /// ticket for a verdict that already came.
    public var verdictRequired: Bool?
    /// Set for a bet with an in-play leg: it was taken as pending and is decided when its delay
    /// has passed (docs/adr/0014-in-play-delay.md). Absent for every other bet.
    public var inPlayDelay: InPlayDelay?

    public init(ticketID: TicketID, terminalID: TerminalID, idempotencyKey: String, requestDigest: Digest256, kind: BetKind,
                legs: [PlacedLeg], stakePerLine: Money, totalStake: Money, potentialReturn: Money,
                oddsChangePolicy: OddsChangePolicy, placedAtMillis: Int64, securityDigest: SecurityDigest, takenOffline: Bool? = nil,
                verdictRequired: Bool? = nil, inPlayDelay: InPlayDelay? = nil) {
        self.ticketID = ticketID
        self.terminalID = terminalID
        self.idempotencyKey = idempotencyKey
        self.requestDigest = requestDigest
        self.kind = kind
        self.legs = legs
        self.stakePerLine = stakePerLine
        self.totalStake = totalStake
        self.potentialReturn = potentialReturn
        self.oddsChangePolicy = oddsChangePolicy
        self.placedAtMillis = placedAtMillis
        self.securityDigest = securityDigest
        self.takenOffline = takenOffline
        self.verdictRequired = verdictRequired
        self.inPlayDelay = inPlayDelay
    }

    public var isOffline: Bool { takenOffline == true }

    public var lines: [[Int]] { kind.lines(legCount: legs.count) }
}

/// One leg as struck: the price and version the bet was accepted at, and what the customer saw.
public struct PlacedLeg: Hashable, Sendable, Codable {
    public var selectionID: SelectionID
    public var marketID: MarketID
    public var eventID: EventID
    public var odds: Odds
    public var priceVersion: UInt64
    public var seenOdds: Odds
    public var seenPriceVersion: UInt64

    public init(selectionID: SelectionID, marketID: MarketID, eventID: EventID, odds: Odds, priceVersion: UInt64, seenOdds: Odds,
                seenPriceVersion: UInt64) {
        self.selectionID = selectionID
        self.marketID = marketID
        self.eventID = eventID
        self.odds = odds
        self.priceVersion = priceVersion
        self.seenOdds = seenOdds
        self.seenPriceVersion = seenPriceVersion
    }
}
