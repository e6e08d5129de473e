/// The limits on bets taken while central cannot be reached (ARCHITECTURE.md, "Operating modes"):
/// such a bet is journaled and acknowledged here, but central sees it only later, so the risk the
/// appliance takes alone is capped. Amounts are minor units of the book's currency.
public struct OfflineTerms: Hashable, Sendable, Codable {
    /// Largest total stake of one bet taken offline.
    public var maxStakePerBet: Int64
    /// Largest sum, over offline bets central has not yet acknowledged, of each bet's worst-case
    /// loss (its potential return less its stake).
    public var maxLiability: Int64
    /// Most offline bets central has not yet acknowledged.
    public var maxBets: Int

    public init(maxStakePerBet: Int64, maxLiability: Int64, maxBets: Int) {
        precondition(maxStakePerBet >= 0 && maxLiability >= 0 && maxBets >= 0, "offline limits are not negative")
        self.maxStakePerBet = maxStakePerBet
        self.maxLiability = maxLiability
        self.maxBets = maxBets
    }
}

/// Which offline limit refused a bet.
public enum OfflineLimitKind: String, Hashable, Sendable, Codable {
    case maxStakePerBet = "offline_max_stake_per_bet"
    case maxLiability = "offline_max_liability"
    case maxBets = "offline_max_queued_bets"
    /// No in-play bets while offline: in-play prices move too fast to trust an old board.
    case inPlay = "offline_in_play"
    /// Offline for longer than the appliance may take bets alone.
    case maxTimeOffline = "offline_max_time"
    /// The board's prices were last confirmed by central too long ago.
    case stalePrices = "offline_stale_prices"
    /// The wall clock read earlier than this appliance's last written time at start: offline
    /// bets cannot be timed until central answers or a technician sets the time.
    case clockUnsure = "offline_clock_unsure"
}

/// An offline limit a bet would have broken, with the figures.
public struct OfflineBreach: Hashable, Sendable, Codable, CustomStringConvertible {
    public var limit: OfflineLimitKind
    /// The limit and what the bet would have made it, where the limit is an amount of money.
    public var limitAmount: Money?
    public var attempted: Money?
    public var detail: String

    public init(limit: OfflineLimitKind, limitAmount: Money? = nil, attempted: Money? = nil, detail: String) {
        self.limit = limit
        self.limitAmount = limitAmount
        self.attempted = attempted
        self.detail = detail
    }

    public var description: String { "\(limit.rawValue): \(detail)" }
}
