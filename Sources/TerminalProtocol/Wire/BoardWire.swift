public import Wagering

/// `GET /v1/board`: every market the appliance takes bets on, with prices in all three formats.
public struct BoardView: Codable, Sendable, Hashable {
    /// Goes up with every change to the board; also the response's ETag.
    public var version: Int64
    public var markets: [MarketView]

    /// `inPlayRules`: the venue's, for each in-play market's delay.
    public init(version: Int64, board: Board, inPlayRules: InPlayRules = .standard) {
        self.version = version
        self.markets = board.markets.values.sorted { $0.id < $1.id }.map { MarketView($0, inPlayRules: inPlayRules) }
    }

    /// Takes the current prices an odds-changed refusal names, so a kiosk can show the customer
    /// the new price without fetching the whole board again. False when a moved selection is not
    /// on this board: fetch it instead.
    public mutating func apply(_ moved: [MovedPriceView]) -> Bool {
        nextPrice: for price in moved {
            for market in markets.indices {
                guard let selection = markets[market].selections.firstIndex(where: { $0.id == price.selectionId }) else { continue }
                markets[market].selections[selection].price = price.currentPrice
                markets[market].selections[selection].priceVersion = price.currentPriceVersion
                continue nextPrice
            }
            return false
        }
        return true
    }
}

public struct MarketView: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var status: MarketStatus
    public var inPlay: Bool
    public var allowsSameEventMultiples: Bool
    public var event: EventView
    public var selections: [SelectionView]
    /// For an in-play market, how long a bet on it waits before it is decided, in seconds: what
    /// a kiosk counts down (docs/wagering.md, "In-play bets"). Absent otherwise.
    public var betDelaySeconds: Int?

    public init(_ market: Market, inPlayRules: InPlayRules = .standard) {
        id = market.id.rawValue
        name = market.name
        status = market.status
        inPlay = market.inPlay
        allowsSameEventMultiples = market.allowsSameEventMultiples
        event = EventView(id: market.event.id.rawValue, name: market.event.name, startsAtMillis: market.event.startsAtMillis)
        selections = market.selections.map(SelectionView.init)
        betDelaySeconds = market.inPlay ? inPlayRules.delaySeconds(for: [market]) : nil
    }
}

public struct EventView: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var startsAtMillis: Int64
}

public struct SelectionView: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var status: SelectionStatus
    public var price: PriceView
    public var priceVersion: UInt64

    public init(_ selection: Selection) {
        id = selection.id.rawValue
        name = selection.name
        status = selection.status
        price = PriceView(selection.odds)
        priceVersion = selection.priceVersion
    }
}

/// A price: the exact decimal fraction, which is what a bet must echo, and the three display
/// forms (docs/wagering.md, "Display rounding").
public struct PriceView: Codable, Sendable, Hashable {
    public var numerator: Int64
    public var denominator: Int64
    public var decimal: String
    public var fractional: String
    public var american: String

    public init(_ odds: Odds) {
        numerator = odds.numerator
        denominator = odds.denominator
        decimal = odds.decimalString
        fractional = odds.fractionalString
        american = odds.americanString
    }

    public var exact: ExactPrice { ExactPrice(numerator: numerator, denominator: denominator) }
}

/// The exact decimal odds as a fraction, as bets carry them.
public struct ExactPrice: Codable, Sendable, Hashable {
    public var numerator: Int64
    public var denominator: Int64

    public init(numerator: Int64, denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public init(_ odds: Odds) {
        self.init(numerator: odds.numerator, denominator: odds.denominator)
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case numerator, denominator }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        numerator = try container.decodeInteger(Int64.self, forKey: .numerator)
        denominator = try container.decodeInteger(Int64.self, forKey: .denominator)
    }

    public func odds() throws(OddsError) -> Odds {
        try Odds(decimalNumerator: numerator, denominator: denominator)
    }
}

/// Money on the wire: integer minor units and the currency code (never a float).
public struct MoneyView: Codable, Sendable, Hashable {
    public var minorUnits: Int64
    public var currency: String

    public init(_ money: Money) {
        minorUnits = money.minorUnits
        currency = money.currency.code
    }

    public init(minorUnits: Int64, currency: String) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case minorUnits, currency }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        minorUnits = try container.decodeInteger(Int64.self, forKey: .minorUnits)
        currency = try container.decode(String.self, forKey: .currency)
    }

    public func money() throws(MoneyError) -> Money {
        Money(minorUnits: minorUnits, currency: try Currency(code: currency))
    }
}
