/// What the customer asked for, as the terminal sends it: the legs with the prices they saw, the
/// bet type, the stake per line and how to treat a price that moved.
public struct BetSlip: Hashable, Sendable, Codable {
    public var kind: BetKind
    public var legs: [Leg]
    public var stakePerLine: Money
    public var oddsChangePolicy: OddsChangePolicy

    public init(kind: BetKind, legs: [Leg], stakePerLine: Money, oddsChangePolicy: OddsChangePolicy) {
        self.kind = kind
        self.legs = legs
        self.stakePerLine = stakePerLine
        self.oddsChangePolicy = oddsChangePolicy
    }

    /// The lines this slip expands into, as leg indices. Call after ``validateShape()``.
    public func lines() -> [[Int]] {
        kind.lines(legCount: legs.count)
    }

    /// Checks the slip's own structure (not the board): leg count for the type, no repeated
    /// selection, a positive stake.
    public func validateShape() throws(SlipProblem) {
        switch kind {
        case .single:
            guard legs.count == 1 else { throw .legCount(kind: kind, allowed: 1...1, got: legs.count) }
        case .accumulator:
            guard BetKind.accumulatorLegs.contains(legs.count) else {
                throw .legCount(kind: kind, allowed: BetKind.accumulatorLegs, got: legs.count)
            }
        case .system(let system):
            guard system.variableSelections.contains(legs.count) else {
                throw .legCount(kind: kind, allowed: system.variableSelections, got: legs.count)
            }
        }
        var seen = Set<SelectionID>()
        for leg in legs where !seen.insert(leg.selectionID).inserted {
            throw .repeatedSelection(leg.selectionID)
        }
        guard stakePerLine.isPositive else { throw .stakeNotPositive(stakePerLine) }
    }
}

public enum BetKind: Hashable, Sendable {
    case single
    case accumulator
    case system(SystemBet)

    public static let accumulatorLegs = 2...20

    /// The lines a bet of this type over `legCount` legs expands into, as leg indices.
    public func lines(legCount: Int) -> [[Int]] {
        switch self {
        case .single: [[0]]
        case .accumulator: [Array(0..<legCount)]
        case .system(let system): system.lines(selectionCount: legCount)
        }
    }

    /// "single", "accumulator", or the system bet's name ("yankee").
    public var name: String {
        switch self {
        case .single: "single"
        case .accumulator: "accumulator"
        case .system(let system): system.rawValue
        }
    }

    public init?(name: String) {
        switch name {
        case "single": self = .single
        case "accumulator": self = .accumulator
        default:
            guard let system = SystemBet(rawValue: name) else { return nil }
            self = .system(system)
        }
    }
}

extension BetKind: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let kind = BetKind(name: name) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown bet type '\(name)'")
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// One selection on a slip, with the price the customer was shown.
public struct Leg: Hashable, Sendable, Codable {
    public var selectionID: SelectionID
    public var seenOdds: Odds
    public var seenPriceVersion: UInt64

    public init(selectionID: SelectionID, seenOdds: Odds, seenPriceVersion: UInt64) {
        self.selectionID = selectionID
        self.seenOdds = seenOdds
        self.seenPriceVersion = seenPriceVersion
    }
}

/// What the customer agreed to if the price moved between seeing it and the bet reaching the
/// appliance.
public enum OddsChangePolicy: String, Hashable, Sendable, Codable, CaseIterable {
    /// Only at the exact price seen.
    case exact
    /// At the price seen or any better one (the better one is struck).
    case acceptHigher
    /// At whatever the current price is.
    case acceptAny

    /// The price struck, or nil when the policy refuses the current price.
    public func strike(seen: Odds, current: Odds) -> Odds? {
        switch self {
        case .exact: current == seen ? current : nil
        case .acceptHigher: current >= seen ? current : nil
        case .acceptAny: current
        }
    }
}

public enum SlipProblem: Error, Hashable, Sendable, CustomStringConvertible {
    case legCount(kind: BetKind, allowed: ClosedRange<Int>, got: Int)
    case repeatedSelection(SelectionID)
    case stakeNotPositive(Money)
    case sameEventLegs(EventID)

    public var description: String {
        switch self {
        case .legCount(let kind, let allowed, let got):
            allowed.count == 1
                ? "a \(kind.name) takes \(allowed.lowerBound) selection(s), the slip has \(got)"
                : "a \(kind.name) takes \(allowed.lowerBound) to \(allowed.upperBound) selections, the slip has \(got)"
        case .repeatedSelection(let id): "selection '\(id)' appears twice on the slip"
        case .stakeNotPositive(let stake): "the stake per line must be positive, got \(stake)"
        case .sameEventLegs(let event):
            "two legs are on event '\(event)', whose markets do not allow combining them"
        }
    }
}
