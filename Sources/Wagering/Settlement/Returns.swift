import BigInt

/// A non-negative exact rational `numerator / denominator`, the factor one leg multiplies a line
/// by: the struck odds for a winner, 1 for a void, 0 for a loser, odds x fraction for a dead heat.
public struct LegFactor: Hashable, Sendable {
    public let numerator: Int64
    public let denominator: Int64

    public static let zero = LegFactor(numerator: 0, denominator: 1)
    public static let one = LegFactor(numerator: 1, denominator: 1)

    public init(numerator: Int64, denominator: Int64) {
        precondition(numerator >= 0 && denominator > 0, "a leg factor is a non-negative fraction")
        self.numerator = numerator
        self.denominator = denominator
    }

    public init(_ odds: Odds) {
        self.init(numerator: odds.numerator, denominator: odds.denominator)
    }
}

/// Exact returns of bets. Every payout is computed as an exact rational over all lines and rounded
/// **once, down to the minor unit** (docs/wagering.md, "Rounding"). Products of up to twenty prices
/// exceed 128 bits, so the arithmetic is on arbitrary-precision integers (attaswift/BigInt).
public enum Returns {
    /// floor(stakePerLine x sum over lines of the product of the line's leg factors), in minor units.
    /// Throws when the result does not fit in `Int64` minor units.
    public static func total(stakePerLine: Int64, lines: [[Int]], factors: [LegFactor]) throws(ReturnsError) -> Int64 {
        precondition(stakePerLine >= 0, "stakes are never negative")
        // Over the common denominator D (the product of every leg's denominator) each line's
        // share is stake x (its numerators) x (the other legs' denominators).
        let denominators = factors.map { BigUInt($0.denominator) }
        let commonDenominator = denominators.reduce(BigUInt(1), *)
        var sum = BigUInt(0)
        for line in lines {
            var term = BigUInt(stakePerLine)
            var inLine = [Bool](repeating: false, count: factors.count)
            for leg in line { inLine[leg] = true }
            for (leg, factor) in factors.enumerated() {
                term *= inLine[leg] ? BigUInt(factor.numerator) : denominators[leg]
                if term.isZero { break }
            }
            sum += term
        }
        return try fitting(sum / commonDenominator)
    }

    /// Each line's own return, floored per line. Used to attribute liability to selections; the
    /// sum may be a few minor units below ``total(stakePerLine:lines:factors:)``.
    public static func perLine(stakePerLine: Int64, lines: [[Int]], factors: [LegFactor]) throws(ReturnsError) -> [Int64] {
        var result: [Int64] = []
        result.reserveCapacity(lines.count)
        for line in lines {
            var numerator = BigUInt(stakePerLine)
            var denominator = BigUInt(1)
            for leg in line {
                numerator *= BigUInt(factors[leg].numerator)
                denominator *= BigUInt(factors[leg].denominator)
            }
            result.append(try fitting(numerator / denominator))
        }
        return result
    }

    private static func fitting(_ value: BigUInt) throws(ReturnsError) -> Int64 {
        guard value <= BigUInt(Int64.max) else { throw .overflow }
        return Int64(value)
    }
}

public enum ReturnsError: Error, Equatable, Sendable, CustomStringConvertible {
    case overflow
    public var description: String { "the return does not fit in a 64-bit amount of minor units" }
}
