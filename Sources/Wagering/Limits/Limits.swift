/// The risk limits a bet is checked against. Amounts are minor units of the book's currency.
/// Every refusal names the limit, its amount and the amount the bet would have reached.
public struct BettingLimits: Hashable, Sendable, Codable {
    /// Smallest stake per line.
    public var minStakePerLine: Int64
    /// Largest total stake of one bet (all lines).
    public var maxStakePerBet: Int64
    /// Largest potential return of one bet (every leg winning).
    public var maxPayoutPerBet: Int64
    /// Largest net loss on one selection: returns of the open lines containing it, less their stakes.
    public var maxLiabilityPerSelection: Int64
    /// Largest net loss on one market: the worst selection's returns, less every single-line stake
    /// taken on the market.
    public var maxLiabilityPerMarket: Int64
    /// Applied to every terminal unless `terminalOverrides` names it.
    public var terminalDefaults: TerminalLimits
    public var terminalOverrides: [TerminalID: TerminalLimits]

    public init(minStakePerLine: Int64, maxStakePerBet: Int64, maxPayoutPerBet: Int64,
                maxLiabilityPerSelection: Int64, maxLiabilityPerMarket: Int64,
                terminalDefaults: TerminalLimits, terminalOverrides: [TerminalID: TerminalLimits] = [:]) {
        self.minStakePerLine = minStakePerLine
        self.maxStakePerBet = maxStakePerBet
        self.maxPayoutPerBet = maxPayoutPerBet
        self.maxLiabilityPerSelection = maxLiabilityPerSelection
        self.maxLiabilityPerMarket = maxLiabilityPerMarket
        self.terminalDefaults = terminalDefaults
        self.terminalOverrides = terminalOverrides
    }

    public func terminal(_ id: TerminalID) -> TerminalLimits {
        terminalOverrides[id] ?? terminalDefaults
    }

    /// One line for the journal and logs, in minor units.
    public var summary: String {
        "min stake/line \(minStakePerLine), max stake/bet \(maxStakePerBet), max payout/bet \(maxPayoutPerBet), "
            + "max liability/selection \(maxLiabilityPerSelection), /market \(maxLiabilityPerMarket), "
            + "terminal max stake \(terminalDefaults.maxStakePerBet), max open \(terminalDefaults.maxOpenStake), "
            + "\(terminalOverrides.count) terminal overrides"
    }
}

/// Limits per terminal: a self-service kiosk usually gets less than a staffed counter.
public struct TerminalLimits: Hashable, Sendable, Codable {
    /// Largest total stake of one bet placed at this terminal.
    public var maxStakePerBet: Int64
    /// Largest sum of stakes of this terminal's bets that are still open.
    public var maxOpenStake: Int64

    public init(maxStakePerBet: Int64, maxOpenStake: Int64) {
        self.maxStakePerBet = maxStakePerBet
        self.maxOpenStake = maxOpenStake
    }
}

/// Which limit refused a bet.
public enum LimitKind: String, Hashable, Sendable, Codable {
    case minStakePerLine = "min_stake_per_line"
    case maxStakePerBet = "max_stake_per_bet"
    case maxPayoutPerBet = "max_payout_per_bet"
    case maxLiabilityPerSelection = "max_liability_per_selection"
    case maxLiabilityPerMarket = "max_liability_per_market"
    case terminalMaxStakePerBet = "terminal_max_stake_per_bet"
    case terminalMaxOpenStake = "terminal_max_open_stake"
}

/// A limit a bet would have broken: the limit, its amount and what the bet would have reached.
public struct LimitBreach: Hashable, Sendable, Codable, CustomStringConvertible {
    public var limit: LimitKind
    public var limitAmount: Money
    public var attempted: Money
    /// The selection or market the limit applies to, when it is one.
    public var subject: String?

    public var description: String {
        let on = subject.map { " on \($0)" } ?? ""
        return "\(limit.rawValue)\(on): limit \(limitAmount), this bet would make it \(attempted)"
    }
}
