/// What the book keeps of a placed bet while it is open or owed: the terms that exposure,
/// settlement, voiding and payout need, and nothing else.
///
/// The whole ``PlacedBet`` (idempotency key, request digest, the prices the customer saw, event
/// ids, potential return) is in the journal's `bet.placed` record and the tickets table, which
/// answer lookups; every open ticket stays in the daemon's memory until its markets are
/// resulted, so keeping only the terms is what decides how many an appliance's RAM holds
/// (docs/benchmarks-history.md, "Memory per open ticket"). Amounts are minor units of the book's
/// currency. The ticket id is the book's dictionary key and is not repeated here.
public struct TicketTerms: Hashable, Sendable {
    public var terminalID: TerminalID
    public var kind: BetKind
    public var legs: [StruckLeg]
    public var stakePerLine: Int64
    public var totalStake: Int64
    public var placedAtMillis: Int64
    public var securityDigest: SecurityDigest

    public var lines: [[Int]] { kind.lines(legCount: legs.count) }

    /// The markets the bet has legs on, each once.
    var marketIDs: Set<MarketID> { Set(legs.map(\.marketID)) }
}

// In an extension, so the struct keeps its memberwise initializer (`TicketState` rebuilds terms
// with it from the fields it stores).
extension TicketTerms {
    public init(_ bet: PlacedBet) {
        assert(bet.stakePerLine.currency == bet.totalStake.currency, "a bet's stakes are in one currency")
        terminalID = bet.terminalID
        kind = bet.kind
        legs = bet.legs.map { StruckLeg(selectionID: $0.selectionID, marketID: $0.marketID, odds: $0.odds) }
        stakePerLine = bet.stakePerLine.minorUnits
        totalStake = bet.totalStake.minorUnits
        placedAtMillis = bet.placedAtMillis
        securityDigest = bet.securityDigest
    }
}

/// One leg as struck: the selection, its market and the odds the bet was accepted at.
public struct StruckLeg: Hashable, Sendable {
    public var selectionID: SelectionID
    public var marketID: MarketID
    public var odds: Odds
}
