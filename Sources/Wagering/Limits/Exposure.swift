/// What the book stands to lose on open bets, kept per selection and market so a bet's liability
/// check costs a few dictionary lookups.
///
/// Liability of selection s: the returns of every open line containing s, less those lines'
/// stakes. Liability of market m: the largest return on any one of its selections, less every
/// single-line stake on m (the money kept when another selection wins). Multi-leg lines count in
/// full on each of their selections, the conservative side. See docs/wagering.md.
public struct Exposure: Hashable, Sendable {
    public private(set) var winReturn: [SelectionID: Int64] = [:]
    public private(set) var lineStake: [SelectionID: Int64] = [:]
    public private(set) var singleStake: [MarketID: Int64] = [:]

    public init() {}

    public func selectionLiability(_ selection: SelectionID) -> Int64 {
        winReturn[selection, default: 0] - lineStake[selection, default: 0]
    }

    public func marketLiability(_ market: Market) -> Int64 {
        let worst = market.selections.map { winReturn[$0.id, default: 0] }.max() ?? 0
        return worst - singleStake[market.id, default: 0]
    }

    /// Adds (sign +1) or removes (sign -1) a bet's contribution.
    mutating func apply(_ contribution: ExposureContribution, sign: Int64) {
        for (selection, amount) in contribution.winReturn {
            winReturn[selection, default: 0] += sign * amount
            if winReturn[selection] == 0 { winReturn[selection] = nil }
        }
        for (selection, amount) in contribution.lineStake {
            lineStake[selection, default: 0] += sign * amount
            if lineStake[selection] == 0 { lineStake[selection] = nil }
        }
        for (market, amount) in contribution.singleStake {
            singleStake[market, default: 0] += sign * amount
            if singleStake[market] == 0 { singleStake[market] = nil }
        }
    }
}

/// One bet's share of the exposure, derived from its struck prices and lines.
struct ExposureContribution: Hashable, Sendable {
    var winReturn: [SelectionID: Int64] = [:]
    var lineStake: [SelectionID: Int64] = [:]
    var singleStake: [MarketID: Int64] = [:]

    init(_ bet: TicketTerms) throws(ReturnsError) {
        let lines = bet.lines
        let factors = bet.legs.map { LegFactor($0.odds) }
        let returns = try Returns.perLine(stakePerLine: bet.stakePerLine, lines: lines, factors: factors)
        let stake = bet.stakePerLine
        for (line, lineReturn) in zip(lines, returns) {
            for legIndex in line {
                let selection = bet.legs[legIndex].selectionID
                // Bounded: a bet's returns and stakes are each within Int64 (checked at placement),
                // and the number of lines is at most 247.
                winReturn[selection, default: 0] += lineReturn
                lineStake[selection, default: 0] += stake
            }
            if line.count == 1 {
                singleStake[bet.legs[line[0]].marketID, default: 0] += stake
            }
        }
    }
}
