/// A price, held exactly: decimal odds as a reduced fraction `numerator / denominator` (the total
/// return per unit staked, stake included). Decimal 2.375 is 19/8, fractional 11/8, American +138.
///
/// Fractional and American odds convert to this form exactly; only *displaying* American odds or
/// a non-terminating decimal rounds, by the rules in docs/wagering.md. Settlement always uses the
/// exact fraction.
public struct Odds: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    /// Decimal odds above this are refused: no real market prices beyond 10000/1, and the bound
    /// keeps every product of a stake and a price far inside 128-bit arithmetic.
    public static let maximumDecimal: Int64 = 10_001
    /// Finest price resolution accepted (six decimal places).
    public static let maximumDenominator: Int64 = 1_000_000

    public static let evens = Odds(reducedNumerator: 2, denominator: 1)

    private init(reducedNumerator: Int64, denominator: Int64) {
        self.numerator = reducedNumerator
        self.denominator = denominator
    }

    /// Decimal odds `numerator / denominator`, reduced; refused unless strictly above 1 and within
    /// the bounds above.
    public init(decimalNumerator numerator: Int64, denominator: Int64) throws(OddsError) {
        guard denominator > 0 else { throw .zeroOrNegativeDenominator }
        guard numerator > denominator else { throw .notAboveOne }
        let divisor = greatestCommonDivisor(numerator, denominator)
        let (n, d) = (numerator / divisor, denominator / divisor)
        guard d <= Odds.maximumDenominator else { throw .tooPrecise }
        guard Int128(n) <= Int128(Odds.maximumDecimal) * Int128(d) else { throw .tooLong(maximumDecimal: Odds.maximumDecimal) }
        self.init(reducedNumerator: n, denominator: d)
    }

    /// Fractional odds `numerator/denominator` ("11/8"): profit per unit staked.
    public init(fractionalNumerator numerator: Int64, denominator: Int64) throws(OddsError) {
        guard denominator > 0 else { throw .zeroOrNegativeDenominator }
        guard numerator > 0 else { throw .notAboveOne }
        let (sum, overflow) = numerator.addingReportingOverflow(denominator)
        if overflow { throw .tooLong(maximumDecimal: Odds.maximumDecimal) }
        try self.init(decimalNumerator: sum, denominator: denominator)
    }

    /// American (moneyline) odds: +x wins x per 100 staked, -x needs x staked to win 100.
    /// Values between -100 and +100 exclusive do not exist; -100 and +100 are both evens.
    public init(american value: Int64) throws(OddsError) {
        guard value <= -100 || value >= 100 else { throw .americanBetweenMinus100And100(value) }
        guard value.magnitude <= UInt64(Odds.maximumDecimal) * 100 else {
            throw .tooLong(maximumDecimal: Odds.maximumDecimal)
        }
        if value > 0 {
            try self.init(fractionalNumerator: value, denominator: 100)
        } else {
            try self.init(fractionalNumerator: 100, denominator: -value)
        }
    }

    /// Fractional odds, reduced: decimal minus one.
    public var fractional: (numerator: Int64, denominator: Int64) {
        (numerator - denominator, denominator)
    }

    public static func < (lhs: Odds, rhs: Odds) -> Bool {
        Int128(lhs.numerator) * Int128(rhs.denominator) < Int128(rhs.numerator) * Int128(lhs.denominator)
    }

    public var description: String { decimalString }
}

public enum OddsError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case malformed(String)
    case notAboveOne
    case zeroOrNegativeDenominator
    case americanBetweenMinus100And100(Int64)
    case tooLong(maximumDecimal: Int64)
    case tooPrecise

    public var description: String {
        switch self {
        case .empty: "no odds given"
        case .malformed(let text):
            "'\(text)' is not a price (expected decimal like 2.375, fractional like 11/8 or evens, or American like +138 / -150)"
        case .notAboveOne: "odds must pay more than the stake back (decimal above 1, fractional above 0/1)"
        case .zeroOrNegativeDenominator: "the odds' denominator must be positive"
        case .americanBetweenMinus100And100(let value): "American odds \(value) do not exist: they are at most -100 or at least +100"
        case .tooLong(let maximum): "odds above \(maximum - 1)/1 (decimal \(maximum)) are refused"
        case .tooPrecise: "odds finer than six decimal places (denominator above \(Odds.maximumDenominator)) are refused"
        }
    }
}

func greatestCommonDivisor(_ a: Int64, _ b: Int64) -> Int64 {
    var (x, y) = (a.magnitude, b.magnitude)
    while y != 0 { (x, y) = (y, x % y) }
    return Int64(x)
}

/// Encoded as the exact decimal fraction, `{"n": 19, "d": 8}`; decoding re-validates it.
extension Odds: Codable {
    private enum CodingKeys: String, CodingKey { case n, d }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let numerator = try container.decode(Int64.self, forKey: .n)
        let denominator = try container.decode(Int64.self, forKey: .d)
        do {
            try self.init(decimalNumerator: numerator, denominator: denominator)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .n, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(numerator, forKey: .n)
        try container.encode(denominator, forKey: .d)
    }
}
