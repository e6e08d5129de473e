/// The venue's rules for in-play bets (docs/adr/0014-in-play-delay.md): how long a bet with an
/// in-play leg waits before it is decided, and how many may wait at once.
public struct InPlayRules: Hashable, Sendable {
    /// The least delay, whatever central says for a market (`in_play.delay_seconds`).
    public var floorSeconds: Int
    /// Bets one terminal may have waiting at once, so no terminal holds every place for free.
    public var maxPendingPerTerminal: Int
    /// Bets the appliance may have waiting at once.
    public var maxPending: Int

    /// The range of a delay, the venue's or central's: long enough for the news that moves a
    /// price to reach central, short enough for a kiosk's request to wait it out.
    public static let delayRange = 0...30

    public init(floorSeconds: Int, maxPendingPerTerminal: Int, maxPending: Int) {
        precondition(Self.delayRange.contains(floorSeconds), "an in-play delay is 0-30 s")
        precondition(maxPendingPerTerminal > 0 && maxPending >= maxPendingPerTerminal, "pending bounds are positive")
        self.floorSeconds = floorSeconds
        self.maxPendingPerTerminal = maxPendingPerTerminal
        self.maxPending = maxPending
    }

    public static let standard = InPlayRules(floorSeconds: 5, maxPendingPerTerminal: 2, maxPending: 256)

    /// A bet's delay: the longest of its in-play legs' markets', never below the floor.
    public func delaySeconds(for inPlayMarkets: [Market]) -> Int {
        inPlayMarkets.reduce(floorSeconds) { longest, market in
            max(longest, min(max(market.betDelaySeconds ?? 0, Self.delayRange.lowerBound), Self.delayRange.upperBound))
        }
    }
}

/// What a bet with an in-play leg waits out, journaled in its `bet.placed` record: the delay, and
/// each of its markets as the bet found them, which the decision compares with the board.
public struct InPlayDelay: Hashable, Sendable, Codable {
    public var seconds: Int
    public var markets: [MarketMark]

    public init(seconds: Int, markets: [MarketMark]) {
        self.seconds = seconds
        self.markets = markets
    }

    public struct MarketMark: Hashable, Sendable, Codable {
        public var marketID: MarketID
        public var changeCount: UInt64
        public var inPlay: Bool

        public init(marketID: MarketID, changeCount: UInt64, inPlay: Bool) {
            self.marketID = marketID
            self.changeCount = changeCount
            self.inPlay = inPlay
        }
    }
}

/// Why an in-play bet was declined at the end of its delay. The raw values are the API's and the
/// journal's.
public enum DelayDeclineReason: String, Hashable, Sendable, Codable, CaseIterable {
    /// One of its markets was suspended, closed, resulted, flipped in or out of play, or lost a
    /// selection during the delay, even if it has reopened since.
    case marketChanged = "market_changed_in_delay"
    /// A leg's price moved during the delay. The bet is declined rather than struck again, so a
    /// ticket keeps the terms its `bet.placed` record holds; the customer may bet again at the
    /// new price.
    case priceChanged = "price_changed_in_delay"
    /// A limit lowered, or filled by others, during the delay.
    case limitAtDecision = "limit_at_decision"
    /// A pre-match leg's event started during the delay.
    case eventStarted = "event_started_in_delay"
    /// Central's feed was not heard after the delay within `in_play.max_pending_seconds`.
    case undecidedInTime = "undecided_in_time"
}

/// The end of an in-play bet's delay: accepted (the ticket is open on the terms it was placed
/// at) or declined (nothing owed). One `bet.delay_decided` record.
public struct DelayDecision: Hashable, Sendable, Codable {
    public var ticketID: TicketID
    public var terminalID: TerminalID
    /// Nil: accepted.
    public var declined: DelayDeclineReason?
    public var detail: String
    public var atMillis: Int64

    public init(ticketID: TicketID, terminalID: TerminalID, declined: DelayDeclineReason?, detail: String, atMillis: Int64) {
        self.ticketID = ticketID
        self.terminalID = terminalID
        self.declined = declined
        self.detail = detail
        self.atMillis = atMillis
    }

    public var isAccepted: Bool { declined == nil }
}
