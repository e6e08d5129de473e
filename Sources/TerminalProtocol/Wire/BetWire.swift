public import Wagering

/// `POST /v1/bets`: a bet slip as the customer confirmed it.
public struct PlaceBetRequest: Codable, Sendable, Hashable {
    /// The terminal's key for this bet; retrying with the same key never makes a second bet.
    public var idempotencyKey: String
    /// "single", "accumulator", or a system bet: "doubles", "trebles", "trixie", "patent", "yankee",
    /// "lucky15", "canadian", "heinz", "superHeinz", "goliath".
    public var type: String
    public var legs: [LegRequest]
    public var stakePerLine: MoneyView
    /// "exact", "acceptHigher" or "acceptAny".
    public var oddsChangePolicy: OddsChangePolicy

    public init(idempotencyKey: String, type: String, legs: [LegRequest], stakePerLine: MoneyView, oddsChangePolicy: OddsChangePolicy) {
        self.idempotencyKey = idempotencyKey
        self.type = type
        self.legs = legs
        self.stakePerLine = stakePerLine
        self.oddsChangePolicy = oddsChangePolicy
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case idempotencyKey, type, legs, stakePerLine, oddsChangePolicy }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        idempotencyKey = try container.decode(String.self, forKey: .idempotencyKey)
        type = try container.decode(String.self, forKey: .type)
        legs = try container.decode([LegRequest].self, forKey: .legs)
        stakePerLine = try container.decode(MoneyView.self, forKey: .stakePerLine)
        oddsChangePolicy = try container.decode(OddsChangePolicy.self, forKey: .oddsChangePolicy)
    }
}

/// One selection on the slip with the price and price version the customer saw.
public struct LegRequest: Codable, Sendable, Hashable {
    public var selectionId: String
    public var price: ExactPrice
    public var priceVersion: UInt64

    public init(selectionId: String, price: ExactPrice, priceVersion: UInt64) {
        self.selectionId = selectionId
        self.price = price
        self.priceVersion = priceVersion
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case selectionId, price, priceVersion }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        selectionId = try container.decode(String.self, forKey: .selectionId)
        price = try container.decode(ExactPrice.self, forKey: .price)
        priceVersion = try container.decodeInteger(UInt64.self, forKey: .priceVersion)
    }
}

/// A ticket as terminals see it. `securityCode` is present only in the answer to a placement
/// (print it on the ticket); lookups never reveal it.
public struct TicketView: Codable, Sendable, Hashable {
    public var ticketId: String
    public var securityCode: String?
    /// "open", "won", "lost", "voided" or "paid"; "pending" while an in-play bet waits out its
    /// delay, "declined" if it was refused at its end (a lookup shows both; placing answers only
    /// once the bet is decided).
    public var status: TicketStatus
    public var type: String
    public var legs: [TicketLegView]
    public var stakePerLine: MoneyView
    public var totalStake: MoneyView
    public var potentialReturn: MoneyView
    /// Owed (won, voided), paid (paid), or zero.
    public var amount: MoneyView
    public var placedAtMillis: Int64
    /// True when this answers a retried placement: no new bet was made.
    public var replayed: Bool
    /// True for a bet taken while central was unreachable; central confirms or voids it later.
    public var takenOffline: Bool?
    /// Why the ticket was voided (by staff, or by central's verdict on an offline bet), while voided.
    public var voidReason: String?
    /// For a bet taken offline: "pending" until central's verdict arrives (a win is not paid
    /// before it, unless the venue pays small ones early: `offline.pay_before_verdict_up_to`),
    /// then "confirmed" or "voided".
    public var verdict: String?
    /// For a bet with an in-play leg: the delay it waited out before it was decided, in seconds.
    public var inPlayDelaySeconds: Int?
    /// While declined: why, as `bet-declined-in-delay` problems name it.
    public var declineReason: String?

    public init(bet: PlacedBet, status: TicketStatus, amount: Int64, securityCode: SecurityCode?, replayed: Bool,
                voidReason: String? = nil, verdict: String? = nil, declineReason: String? = nil) {
        ticketId = bet.ticketID.description
        self.securityCode = securityCode?.description
        self.status = status
        type = bet.kind.name
        legs = bet.legs.map(TicketLegView.init)
        stakePerLine = MoneyView(bet.stakePerLine)
        totalStake = MoneyView(bet.totalStake)
        potentialReturn = MoneyView(bet.potentialReturn)
        self.amount = MoneyView(Money(minorUnits: amount, currency: bet.totalStake.currency))
        placedAtMillis = bet.placedAtMillis
        self.replayed = replayed
        takenOffline = bet.takenOffline
        self.voidReason = voidReason
        self.verdict = verdict ?? (bet.verdictRequired == true ? "pending" : nil)
        inPlayDelaySeconds = bet.inPlayDelay?.seconds
        self.declineReason = declineReason
    }
}

public struct TicketLegView: Codable, Sendable, Hashable {
    public var selectionId: String
    public var marketId: String
    public var eventId: String
    /// The price struck (may be better than the one seen under "acceptHigher").
    public var price: PriceView
    public var priceVersion: UInt64

    public init(_ leg: PlacedLeg) {
        selectionId = leg.selectionID.rawValue
        marketId = leg.marketID.rawValue
        eventId = leg.eventID.rawValue
        price = PriceView(leg.odds)
        priceVersion = leg.priceVersion
    }
}

/// `POST /v1/tickets/{id}/validate` and `/payout`: the code printed on the ticket.
public struct SecurityCodeRequest: Codable, Sendable, Hashable {
    public var securityCode: String

    public init(securityCode: String) { self.securityCode = securityCode }

    enum CodingKeys: String, CodingKey, CaseIterable { case securityCode }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        securityCode = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .securityCode)
    }
}

/// `POST /v1/tickets/{id}/void`: why staff cancel the ticket.
public struct VoidRequest: Codable, Sendable, Hashable {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    enum CodingKeys: String, CodingKey, CaseIterable { case reason }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        reason = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .reason)
    }
}

/// The answer to a validation: whether the code matches, and what the ticket is owed.
public struct ValidationView: Codable, Sendable, Hashable {
    public var ticketId: String
    public var valid: Bool
    public var status: TicketStatus
    public var amount: MoneyView

    public init(ticketId: String, valid: Bool, status: TicketStatus, amount: MoneyView) {
        self.ticketId = ticketId
        self.valid = valid
        self.status = status
        self.amount = amount
    }
}
