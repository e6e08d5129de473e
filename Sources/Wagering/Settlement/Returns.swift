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
/// **once, down to the minor unit** (docs/wagering.md, "Rounding").
///
/// The arithmetic runs in 128-bit integers, which hold any single and most multiples; products of
/// many long prices exceed 128 bits and fall back to arbitrary precision (attaswift/BigInt). Both
/// paths are exact and give the same answer (a property test holds them equal).
public enum Returns {
    /// floor(stakePerLine x sum over lines of the product of the line's leg factors), in minor units.
    /// Throws when the result does not fit in `Int64` minor units.
    public static func total(stakePerLine: Int64, lines: [[Int]], factors: [LegFactor]) throws(ReturnsError) -> Int64 {
        precondition(stakePerLine >= 0, "stakes are never negative")
        if let exact = totalIn128Bits(stakePerLine: stakePerLine, lines: lines, factors: factors) {
            return try fitting(exact)
        }
        return try fitting(totalInBigIntegers(stakePerLine: stakePerLine, lines: lines, factors: factors))
    }

    /// Each line's own return, floored per line. Used to attribute liability to selections; the
    /// sum may be a few minor units below ``total(stakePerLine:lines:factors:)``.
    public static func perLine(stakePerLine: Int64, lines: [[Int]], factors: [LegFactor]) throws(ReturnsError) -> [Int64] {
        var result: [Int64] = []
        result.reserveCapacity(lines.count)
        for line in lines {
            result.append(try total(stakePerLine: stakePerLine, lines: [Array(0..<line.count)], factors: line.map { factors[$0] }))
        }
        return result
    }

    // Over the common denominator D (the product of every leg's denominator) each line's share is
    // stake x (its legs' numerators) x (the other legs' denominators); the total is floor(sum / D).

    static func totalIn128Bits(stakePerLine: Int64, lines: [[Int]], factors: [LegFactor]) -> Int128? {
        var commonDenominator: Int128 = 1
        for factor in factors {
            let (product, overflow) = commonDenominator.multipliedReportingOverflow(by: Int128(factor.denominator))
            if overflow { return nil }
            commonDenominator = product
        }
        var sum: Int128 = 0
        for line in lines {
            var inLine = [Bool](repeating: false, count: factors.count)
            for leg in line { inLine[leg] = true }
            var term = Int128(stakePerLine)
            for (leg, factor) in factors.enumerated() {
                let (product, overflow) = term.multipliedReportingOverflow(by: Int128(inLine[leg] ? factor.numerator : factor.denominator))
                if overflow { return nil }
                term = product
            }
            let (added, overflow) = sum.addingReportingOverflow(term)
            if overflow { return nil }
            sum = added
        }
        return sum / commonDenominator
    }

    static func totalInBigIntegers(stakePerLine: Int64, lines: [[Int]], factors: [LegFactor]) -> BigUInt {
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
        return sum / commonDenominator
    }

    private static func fitting(_ value: Int128) throws(ReturnsError) -> Int64 {
        guard value <= Int128(Int64.max) else { throw .overflow }
        return Int64(value)
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
