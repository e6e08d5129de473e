/// How one selection ended.
public enum Outcome: Hashable, Sendable, Codable, CustomStringConvertible {
    case win
    case lose
    /// Not run, abandoned: stakes back (the leg counts at odds 1 in a multiple).
    case void
    /// Tied for a place: the stake is split, `numerator/denominator` of it paid at full odds
    /// (1/2 for a two-way dead heat).
    case deadHeat(numerator: Int64, denominator: Int64)

    /// Checks a dead-heat fraction is in (0, 1).
    public func validate() throws(OutcomeError) {
        if case .deadHeat(let numerator, let denominator) = self {
            guard denominator > 0, numerator > 0, numerator < denominator, denominator <= 1_000 else {
                throw .invalidDeadHeat(numerator: numerator, denominator: denominator)
            }
        }
    }

    /// The factor this outcome multiplies a line by, given the odds struck on the leg.
    public func factor(struck odds: Odds) -> LegFactor {
        switch self {
        case .win: LegFactor(odds)
        case .lose: .zero
        case .void: .one
        case .deadHeat(let numerator, let denominator):
            // Odds' bounds and a denominator of at most 1000 keep both products inside Int64.
            LegFactor(numerator: odds.numerator * numerator, denominator: odds.denominator * denominator)
        }
    }

    public var description: String {
        switch self {
        case .win: "win"
        case .lose: "lose"
        case .void: "void"
        case .deadHeat(let numerator, let denominator): "dead heat \(numerator)/\(denominator)"
        }
    }
}

public enum OutcomeError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidDeadHeat(numerator: Int64, denominator: Int64)
    public var description: String {
        switch self {
        case .invalidDeadHeat(let numerator, let denominator):
            "dead-heat fraction \(numerator)/\(denominator) must be strictly between 0 and 1 (denominator at most 1000)"
        }
    }
}
