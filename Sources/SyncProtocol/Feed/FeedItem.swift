import Foundation
public import Wagering

/// One change central publishes to a venue's appliances (or to one appliance, for a verdict),
/// read in cursor order (GET /v1/feed). The appliance journals each before it takes effect, so a
/// reboot while offline keeps the last board it had.
public struct FeedItem: Hashable, Sendable {
    /// Increasing in the order central committed the items; the appliance reads after the last it applied.
    public var cursor: Int64
    public var change: FeedChange

    public init(cursor: Int64, change: FeedChange) {
        self.cursor = cursor
        self.change = change
    }
}

public enum FeedChange: Hashable, Sendable {
    /// A market put on the board, or replaced (its prices, selections, status).
    case marketPublished(Market)
    case priceChanged(selection: SelectionID, odds: Odds)
    case statusChanged(market: MarketID, status: MarketStatus, inPlay: Bool?)
    /// The result: the appliance settles its bets on the market, so winners can be paid offline.
    case resulted(MarketResult)
    /// Central's decisions on bets the appliance took offline: one item per pushed batch.
    case verdicts([Verdict])
    /// The betting limits the venue's appliances apply from now on (terminal overrides included).
    case limits(BettingLimits)
    /// A terminal provisioned (or revoked) by central.
    case terminal(TerminalGrant)
    /// A technician allowed (or no longer allowed) on the console.
    case technician(TechnicianGrant)

    /// The item's `kind` on the wire.
    public var kind: String {
        switch self {
        case .marketPublished: "market.published"
        case .priceChanged: "market.price_changed"
        case .statusChanged: "market.status_changed"
        case .resulted: "market.resulted"
        case .verdicts: "bet.verdicts"
        case .limits: "limits.changed"
        case .terminal: "credentials.terminal"
        case .technician: "credentials.technician"
        }
    }
}

extension FeedChange {
    /// The item's `body` on the wire, alone (central stores it as is).
    public func encodedBody() throws -> [UInt8] {
        let encoder = JSONEncoder()
        let body: Data = switch self {
        case .marketPublished(let market): try encoder.encode(market)
        case .priceChanged(let selection, let odds): try encoder.encode(FeedItem.PriceBody(selection: selection, odds: odds))
        case .statusChanged(let market, let status, let inPlay):
            try encoder.encode(FeedItem.StatusBody(market: market, status: status, inPlay: inPlay))
        case .resulted(let result): try encoder.encode(result)
        case .verdicts(let verdicts): try encoder.encode(verdicts)
        case .limits(let limits): try encoder.encode(limits)
        case .terminal(let grant): try encoder.encode(grant)
        case .technician(let grant): try encoder.encode(grant)
        }
        return Array(body)
    }
}

/// What central decided about a bet taken offline, checked against what central had published
/// when the bet was placed.
public struct Verdict: Hashable, Sendable, Codable {
    public enum Decision: String, Hashable, Sendable, Codable {
        case confirmed
        case voided
    }

    /// Why a bet was voided; stable, for terminals and reports.
    public enum Reason: String, Hashable, Sendable, Codable {
        /// The bet was struck at better odds than central offered at that time.
        case staleOdds = "stale_odds"
        /// Central had the market suspended, closed or in play at that time.
        case marketSuspended = "market_suspended"
        /// Central never published the market: nothing vouches for the price.
        case unknownMarket = "unknown_market"
        /// Central had already resulted the market: the outcome was known when the bet was placed.
        case marketResulted = "market_resulted"
        /// The bet came at or after its event's start, on a market central did not offer in play.
        case afterStart = "after_start"
    }

    /// The bet's record on the appliance (its ticket serial) and its ticket.
    public var seq: Int64
    public var ticketID: String
    public var decision: Decision
    public var reason: Reason?
    /// For a person: what central saw.
    public var detail: String

    public init(seq: Int64, ticketID: String, decision: Decision, reason: Reason?, detail: String) {
        self.seq = seq
        self.ticketID = ticketID
        self.decision = decision
        self.reason = reason
        self.detail = detail
    }
}

/// The body of GET /v1/feed: items after the cursor asked for, oldest first, and the cursor to
/// ask after next time (the last item's, or the one asked for when there are none).
public struct FeedPage: Hashable, Sendable, Codable {
    public static let maxItems = 500
    /// The longest a request may wait for new items (`wait` seconds).
    public static let maxWaitSeconds = 25

    public var items: [FeedItem]
    public var cursor: Int64

    public init(items: [FeedItem], cursor: Int64) {
        self.items = items
        self.cursor = cursor
    }
}

/// On the wire: `{"cursor": 7, "kind": "market.price_changed", "body": {...}}`; the body's shape
/// depends on the kind (docs/sync-protocol.md, "Feed").
extension FeedItem: Codable {
    enum CodingKeys: String, CodingKey { case cursor, kind, body }

    struct PriceBody: Codable { var selection: SelectionID; var odds: Odds }
    struct StatusBody: Codable { var market: MarketID; var status: MarketStatus; var inPlay: Bool? }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cursor = try container.decode(Int64.self, forKey: .cursor)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "market.published": change = .marketPublished(try container.decode(Market.self, forKey: .body))
        case "market.price_changed":
            let body = try container.decode(PriceBody.self, forKey: .body)
            change = .priceChanged(selection: body.selection, odds: body.odds)
        case "market.status_changed":
            let body = try container.decode(StatusBody.self, forKey: .body)
            change = .statusChanged(market: body.market, status: body.status, inPlay: body.inPlay)
        case "market.resulted": change = .resulted(try container.decode(MarketResult.self, forKey: .body))
        case "bet.verdicts": change = .verdicts(try container.decode([Verdict].self, forKey: .body))
        case "limits.changed": change = .limits(try container.decode(BettingLimits.self, forKey: .body))
        case "credentials.terminal": change = .terminal(try container.decode(TerminalGrant.self, forKey: .body))
        case "credentials.technician": change = .technician(try container.decode(TechnicianGrant.self, forKey: .body))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown feed item kind '\(kind)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cursor, forKey: .cursor)
        try container.encode(change.kind, forKey: .kind)
        switch change {
        case .marketPublished(let market): try container.encode(market, forKey: .body)
        case .priceChanged(let selection, let odds): try container.encode(PriceBody(selection: selection, odds: odds), forKey: .body)
        case .statusChanged(let market, let status, let inPlay):
            try container.encode(StatusBody(market: market, status: status, inPlay: inPlay), forKey: .body)
        case .resulted(let result): try container.encode(result, forKey: .body)
        case .verdicts(let verdicts): try container.encode(verdicts, forKey: .body)
        case .limits(let limits): try container.encode(limits, forKey: .body)
        case .terminal(let grant): try container.encode(grant, forKey: .body)
        case .technician(let grant): try container.encode(grant, forKey: .body)
        }
    }
}

/// A terminal's credential from central, carried only over the mutually authenticated link.
/// `secret` is 64 hex digits; nil when `revoked`.
public struct TerminalGrant: Hashable, Sendable, Codable {
    public var id: String
    /// "kiosk" or "staff".
    public var role: String
    public var secret: String?
    public var revoked: Bool

    public init(id: String, role: String, secret: String?, revoked: Bool) {
        self.id = id
        self.role = role
        self.secret = secret
        self.revoked = revoked
    }
}

/// A technician's console login from central: the PIN's scrypt hash (`holdfast console
/// hash-pin`), never the PIN. `pinHash` is nil when `revoked`.
public struct TechnicianGrant: Hashable, Sendable, Codable {
    public var name: String
    public var pinHash: String?
    public var revoked: Bool

    public init(name: String, pinHash: String?, revoked: Bool) {
        self.name = name
        self.pinHash = pinHash
        self.revoked = revoked
    }
}
