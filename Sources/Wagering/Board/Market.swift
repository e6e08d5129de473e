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
    /// Central's in-play bet delay for this market, in seconds (docs/adr/0014-in-play-delay.md).
    /// The venue's own floor applies whatever it says; nil: central named none.
    public var betDelaySeconds: Int?
    /// Moves each time the market leaves `open`, flips in or out of play, or loses a selection,
    /// so an in-play bet's decision sees a suspension inside its delay even once it is lifted.
    /// Owned by the board like `priceVersion`: whatever a publication carries is replaced.
    public var changeCount: UInt64

    public init(id: MarketID, event: Event, name: String, status: MarketStatus = .open, inPlay: Bool = false,
                allowsSameEventMultiples: Bool = false, selections: [Selection], betDelaySeconds: Int? = nil) {
        self.id = id
        self.event = event
        self.name = name
        self.status = status
        self.inPlay = inPlay
        self.allowsSameEventMultiples = allowsSameEventMultiples
        self.selections = selections
        self.betDelaySeconds = betDelaySeconds
        self.changeCount = 0
    }

    private enum CodingKeys: String, CodingKey {
        case id, event, name, status, inPlay, allowsSameEventMultiples, selections, betDelaySeconds, changeCount
    }

    /// Markets journaled and published before the delay existed carry neither field.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(MarketID.self, forKey: .id)
        event = try container.decode(Event.self, forKey: .event)
        name = try container.decode(String.self, forKey: .name)
        status = try container.decode(MarketStatus.self, forKey: .status)
        inPlay = try container.decode(Bool.self, forKey: .inPlay)
        allowsSameEventMultiples = try container.decode(Bool.self, forKey: .allowsSameEventMultiples)
        selections = try container.decode([Selection].self, forKey: .selections)
        betDelaySeconds = try container.decodeIfPresent(Int.self, forKey: .betDelaySeconds)
        changeCount = try container.decodeIfPresent(UInt64.self, forKey: .changeCount) ?? 0
    }

    /// The change count is written only once it has moved, so a market that never changed is
    /// journaled byte for byte as before.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(event, forKey: .event)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encode(inPlay, forKey: .inPlay)
        try container.encode(allowsSameEventMultiples, forKey: .allowsSameEventMultiples)
        try container.encode(selections, forKey: .selections)
        try container.encodeIfPresent(betDelaySeconds, forKey: .betDelaySeconds)
        if changeCount > 0 { try container.encode(changeCount, forKey: .changeCount) }
    }

    /// Whether going from `self` to `next` is news an in-play bet's decision must see: leaving
    /// `open`, a flip in or out of play, or a selection withdrawn or dropped.
    func isChange(to next: Market) -> Bool {
        if status == .open && next.status != .open { return true }
        if inPlay != next.inPlay { return true }
        return selections.contains { old in
            old.status == .active && next.selection(old.id)?.status != .active
        }
    }

    public func selection(_ id: SelectionID) -> Selection? {
        selections.first { $0.id == id }
    }
}
