/// A sporting event: the thing markets are about (a race, a match).
public struct Event: Hashable, Sendable, Codable {
    public var id: EventID
    public var name: String
    /// Scheduled start, milliseconds since the Unix epoch.
    public var startsAtMillis: Int64

    public init(id: EventID, name: String, startsAtMillis: Int64) {
        self.id = id
        self.name = name
        self.startsAtMillis = startsAtMillis
    }
}

public enum MarketStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Taking bets.
    case open
    /// Temporarily not taking bets (a goal, a price being revised); may reopen.
    case suspended
    /// No more bets; awaiting the result.
    case closed
    /// Resulted; final.
    case settled
}

public enum SelectionStatus: String, Hashable, Sendable, Codable {
    case active
    /// A non-runner: no new bets; bets on it are settled as void when the market is resulted.
    case withdrawn
}

/// One outcome of a market and its current price. `priceVersion` goes up by one each time the
/// price changes, so a bet can name exactly the price the customer saw.
public struct Selection: Hashable, Sendable, Codable {
    public var id: SelectionID
    public var name: String
    public var odds: Odds
    public var priceVersion: UInt64
    public var status: SelectionStatus

    public init(id: SelectionID, name: String, odds: Odds, priceVersion: UInt64 = 1, status: SelectionStatus = .active) {
        self.id = id
        self.name = name
        self.odds = odds
        self.priceVersion = priceVersion
        self.status = status
    }
}

public struct Market: Hashable, Sendable, Codable {
    public var id: MarketID
    public var event: Event
    public var name: String
    public var status: MarketStatus
    public var inPlay: Bool
    /// Whether two legs of one multiple may come from this market's event (related contingencies
    /// are refused unless the trader priced them as allowed).
    public var allowsSameEventMultiples: Bool
    public var selections: [Selection]

    public init(id: MarketID, event: Event, name: String, status: MarketStatus = .open, inPlay: Bool = false,
                allowsSameEventMultiples: Bool = false, selections: [Selection]) {
        self.id = id
        self.event = event
        self.name = name
        self.status = status
        self.inPlay = inPlay
        self.allowsSameEventMultiples = allowsSameEventMultiples
        self.selections = selections
    }

    public func selection(_ id: SelectionID) -> Selection? {
        selections.first { $0.id == id }
    }
}
