import PropertyBased
import Testing
@testable import Wagering

/// One bet's settlement inputs: a stake per line, the struck prices, the legs' outcomes and the
/// bet's lines.
struct ReturnsCase: Sendable, CustomStringConvertible {
    var kind: BetKind
    var stake: Int64
    var odds: [Odds]
    var outcomes: [Outcome]

    var lines: [[Int]] {
        switch kind {
        case .single: [[0]]
        case .accumulator: [Array(odds.indices)]
        case .system(let system): system.lines(selectionCount: odds.count)
        }
    }

    var factors: [LegFactor] { zip(outcomes, odds).map { $0.factor(struck: $1) } }
    var referenceFactors: [Ratio] { zip(outcomes, odds).map { Ratio(outcome: $0, odds: $1) } }

    var description: String {
        "\(kind.name) stake \(stake): " + zip(odds, outcomes).map { "\($0.fractionalString) \($1)" }.joined(separator: ", ")
    }

    static let pricePool: [Odds] = [price(6, 5), price(5, 4), price(4, 3), price(3, 2), price(5, 3), price(2), price(9, 4),
                                    price(19, 8), price(5, 2), price(3), price(10, 3), price(4), price(11, 2), price(7),
                                    price(21, 2), price(17)]
    static let outcomePool: [Outcome] = [.win, .win, .lose, .void, .deadHeat(numerator: 1, denominator: 2),
                                         .deadHeat(numerator: 1, denominator: 3), .deadHeat(numerator: 2, denominator: 3)]

    /// Random kinds over 1 to 8 legs, random prices and outcomes.
    static let generator = Generator<ReturnsCase, Shrink.None<ReturnsCase>> { rng in
        let count = Int.random(in: 1...8, using: &rng)
        var kinds: [BetKind] = count == 1 ? [.single] : [.accumulator]
        for system in SystemBet.allCases where system.variableSelections.contains(count) { kinds.append(.system(system)) }
        return ReturnsCase(kind: kinds.randomElement(using: &rng)!,
                           stake: Int64.random(in: 1...100_000, using: &rng),
                           odds: (0..<count).map { _ in pricePool.randomElement(using: &rng)! },
                           outcomes: (0..<count).map { _ in outcomePool.randomElement(using: &rng)! })
    }
}

@Suite("Returns: exact settlement, rounded down once")
struct ReturnsTests {
    @Test("total return equals an independent exact-fraction computation, floored")
    func totalMatchesReference() async {
        await propertyCheck(count: 400, input: ReturnsCase.generator) { bet throws in
            let total = try Returns.total(stakePerLine: bet.stake, lines: bet.lines, factors: bet.factors)
            #expect(Int128(total) == referenceReturn(stake: bet.stake, lines: bet.lines, factors: bet.referenceFactors))
        }
    }

    @Test("per-line returns are each line floored, and sum to within one minor unit per line below the total")
    func perLineMatchesReference() async {
        await propertyCheck(count: 300, input: ReturnsCase.generator) { bet throws in
            let lines = bet.lines
            let perLine = try Returns.perLine(stakePerLine: bet.stake, lines: lines, factors: bet.factors)
            let total = try Returns.total(stakePerLine: bet.stake, lines: lines, factors: bet.factors)
            #expect(perLine.count == lines.count)
            for (line, value) in zip(lines, perLine) {
                #expect(Int128(value) == referenceReturn(stake: bet.stake, lines: [line], factors: bet.referenceFactors))
            }
            let sum = perLine.reduce(0, +)
            #expect(sum <= total)
            #expect(total - sum < Int64(lines.count))
        }
    }

    @Test("returns do not depend on how each factor is written, even when unreduced fractions need more than 128 bits")
    func unreducedFactorsGiveTheSameReturn() async {
        await propertyCheck(count: 300, input: ReturnsCase.generator, Gen.int64(in: 1...1_000_000).array(of: 8)) { bet, multipliers throws in
            let scaled = bet.factors.enumerated().map { index, factor in
                LegFactor(numerator: factor.numerator * multipliers[index], denominator: factor.denominator * multipliers[index])
            }
            let expected = referenceReturn(stake: bet.stake, lines: bet.lines, factors: bet.referenceFactors)
            #expect(Int128(try Returns.total(stakePerLine: bet.stake, lines: bet.lines, factors: scaled)) == expected)
            #expect(try Returns.perLine(stakePerLine: bet.stake, lines: bet.lines, factors: scaled)
                    == Returns.perLine(stakePerLine: bet.stake, lines: bet.lines, factors: bet.factors))
        }
    }

    @Test("a 20-fold of 3/2 written as 1500000/1000000 returns floor(stake x 1.5^20)")
    func twentyFoldBeyond128Bits() throws {
        let legs = Array(repeating: LegFactor(numerator: 1_500_000, denominator: 1_000_000), count: 20)
        let total = try Returns.total(stakePerLine: 100, lines: [Array(0..<20)], factors: legs)
        let exact = (0..<20).reduce(Ratio(100)) { product, _ in product * Ratio(3, 2) }
        #expect(Int128(total) == exact.floor)
        #expect(total == 332_525)
    }

    @Test("a winner never lowers a return and a loser never raises it")
    func monotoneInOutcomes() async {
        await propertyCheck(count: 300, input: ReturnsCase.generator, Gen.int(in: 0...7)) { bet, pick throws in
            let leg = pick % bet.odds.count
            let base = try Returns.total(stakePerLine: bet.stake, lines: bet.lines, factors: bet.factors)
            var better = bet
            better.outcomes[leg] = .win
            var worse = bet
            worse.outcomes[leg] = .lose
            #expect(try Returns.total(stakePerLine: bet.stake, lines: bet.lines, factors: better.factors) >= base)
            #expect(try Returns.total(stakePerLine: bet.stake, lines: bet.lines, factors: worse.factors) <= base)
        }
    }

    @Test("when every leg is void each line returns exactly its stake")
    func allVoidReturnsStakes() async {
        await propertyCheck(count: 200, input: ReturnsCase.generator) { bet throws in
            var void = bet
            void.outcomes = bet.outcomes.map { _ in .void }
            let total = try Returns.total(stakePerLine: bet.stake, lines: bet.lines, factors: void.factors)
            #expect(total == bet.stake * Int64(bet.lines.count))
        }
    }

    @Test("one losing leg makes an accumulator return nothing")
    func losingLegKillsAccumulator() async {
        await propertyCheck(count: 200, input: ReturnsCase.generator, Gen.int(in: 0...7)) { bet, pick throws in
            guard bet.odds.count >= 2 else { return }
            var accumulator = bet
            accumulator.kind = .accumulator
            accumulator.outcomes[pick % bet.odds.count] = .lose
            #expect(try Returns.total(stakePerLine: bet.stake, lines: accumulator.lines, factors: accumulator.factors) == 0)
        }
    }

    @Test("a dead heat 1/2 on a single returns floor(stake x odds / 2)")
    func deadHeatHalfOnSingle() async {
        await propertyCheck(count: 500, input: Gen.int64(in: 1...1_000_000_000_000), anyOdds) { stake, odds throws in
            let factor = Outcome.deadHeat(numerator: 1, denominator: 2).factor(struck: odds)
            let total = try Returns.total(stakePerLine: stake, lines: [[0]], factors: [factor])
            let expected = Int128(stake) * Int128(odds.numerator) / (Int128(odds.denominator) * 2)
            #expect(Int128(total) == expected)
        }
    }

    @Test("a winning single returns floor(stake x odds)")
    func winningSingle() async {
        await propertyCheck(count: 500, input: Gen.int64(in: 1...100_000_000_000_000), anyOdds) { stake, odds throws in
            let total = try Returns.total(stakePerLine: stake, lines: [[0]], factors: [LegFactor(odds)])
            #expect(Int128(total) == Int128(stake) * Int128(odds.numerator) / Int128(odds.denominator))
        }
    }

    @Test("rounding is down to the minor unit, once over the whole bet")
    func roundingExamples() throws {
        #expect(try Returns.total(stakePerLine: 1, lines: [[0]], factors: [LegFactor(price(19, 8))]) == 2)
        #expect(try Returns.total(stakePerLine: 3, lines: [[0]], factors: [LegFactor(price(5, 3))]) == 5)
        #expect(try Returns.total(stakePerLine: 1, lines: [[0]], factors: [LegFactor(price(5, 3))]) == 1)
        #expect(try Returns.total(stakePerLine: 1, lines: [[0, 1]], factors: [LegFactor(price(3, 2)), LegFactor(price(3, 2))]) == 2)
        // Patent of three 5/3 winners at 1p: 3 x 5/3 + 3 x 25/9 + 125/27 = 17.96.. -> 17, while
        // flooring line by line would give 1+1+1+2+2+2+4 = 13.
        let factors = Array(repeating: LegFactor(price(5, 3)), count: 3)
        let lines = SystemBet.patent.lines(selectionCount: 3)
        #expect(try Returns.total(stakePerLine: 1, lines: lines, factors: factors) == 17)
        #expect(try Returns.perLine(stakePerLine: 1, lines: lines, factors: factors) == [1, 1, 1, 2, 2, 2, 4])
    }

    @Test("worked examples: void legs count at odds 1 in a trixie, losers zero lines of a patent")
    func workedSystemExamples() throws {
        // Trixie on 2.0, 3.0 and 4.0 with the third void, 1.00 a line: lines ab 6, ac 2, bc 3, abc 6.
        let trixie = [Outcome.win.factor(struck: price(2)), Outcome.win.factor(struck: price(3)), Outcome.void.factor(struck: price(4))]
        #expect(try Returns.total(stakePerLine: 100, lines: SystemBet.trixie.lines(selectionCount: 3), factors: trixie) == 1700)
        // Patent on 2.0 (won), 3.0 (lost), 4.0 (won): singles 2 + 4, double ac 8.
        let patent = [LegFactor(price(2)), LegFactor.zero, LegFactor(price(4))]
        #expect(try Returns.total(stakePerLine: 100, lines: SystemBet.patent.lines(selectionCount: 3), factors: patent) == 1400)
        // Dead heat 1/2 on 19/8 in a double with a 3.0 winner: 100 x 19/16 x 3 = 356.25 -> 356.
        let deadHeat = [Outcome.deadHeat(numerator: 1, denominator: 2).factor(struck: price(19, 8)), LegFactor(price(3))]
        #expect(try Returns.total(stakePerLine: 100, lines: [[0, 1]], factors: deadHeat) == 356)
    }

    @Test("no stake or all losers return nothing")
    func zeroReturns() throws {
        #expect(try Returns.total(stakePerLine: 0, lines: [[0, 1]], factors: [LegFactor(price(10_001)), LegFactor(price(10_001))]) == 0)
        #expect(try Returns.total(stakePerLine: 500, lines: SystemBet.lucky15.lines(selectionCount: 4),
                                  factors: Array(repeating: .zero, count: 4)) == 0)
    }

    @Test("returns beyond Int64 minor units throw overflow instead of crashing")
    func overflowIsAnError() throws {
        let longShots = Array(repeating: LegFactor(price(10_001)), count: 20)
        let twenty = [Array(0..<20)]
        #expect(throws: ReturnsError.overflow) { try Returns.total(stakePerLine: Int64.max / 2, lines: twenty, factors: longShots) }
        #expect(throws: ReturnsError.overflow) { try Returns.total(stakePerLine: 1, lines: twenty, factors: longShots) }
        #expect(throws: ReturnsError.overflow) { try Returns.perLine(stakePerLine: .max, lines: twenty, factors: longShots) }
        #expect(throws: ReturnsError.overflow) {
            try Returns.total(stakePerLine: .max, lines: SystemBet.goliath.lines(selectionCount: 8),
                              factors: Array(repeating: LegFactor(price(10_001)), count: 8))
        }
        // The boundary: 2 x (Int64.max / 2) fits, one more minor unit does not.
        #expect(try Returns.total(stakePerLine: Int64.max / 2, lines: [[0]], factors: [LegFactor(.evens)]) == Int64.max - 1)
        #expect(throws: ReturnsError.overflow) { try Returns.total(stakePerLine: Int64.max / 2 + 1, lines: [[0]], factors: [LegFactor(.evens)]) }
        // Void legs do not multiply: a huge stake on an all-void 20-fold is just the stake.
        let voids = Array(repeating: LegFactor.one, count: 20)
        #expect(try Returns.total(stakePerLine: .max, lines: twenty, factors: voids) == .max)
    }

    // MARK: Outcomes

    @Test("dead-heat fractions must lie strictly between 0 and 1 with a denominator up to 1000", arguments: [
        (Int64(1), Int64(1)), (0, 2), (3, 2), (1, 0), (-1, 2), (1, -2), (1, 1001), (2, 2),
    ])
    func invalidDeadHeats(_ numerator: Int64, _ denominator: Int64) {
        #expect(throws: OutcomeError.invalidDeadHeat(numerator: numerator, denominator: denominator)) {
            try Outcome.deadHeat(numerator: numerator, denominator: denominator).validate()
        }
    }

    @Test("valid outcomes pass validation and map to their factors")
    func outcomeFactors() throws {
        for outcome in [Outcome.win, .lose, .void, .deadHeat(numerator: 1, denominator: 2), .deadHeat(numerator: 999, denominator: 1000)] {
            try outcome.validate()
        }
        #expect(Outcome.win.factor(struck: price(19, 8)) == LegFactor(numerator: 19, denominator: 8))
        #expect(Outcome.lose.factor(struck: price(19, 8)) == .zero)
        #expect(Outcome.void.factor(struck: price(19, 8)) == .one)
        #expect(Outcome.deadHeat(numerator: 1, denominator: 2).factor(struck: price(19, 8)) == LegFactor(numerator: 19, denominator: 16))
    }
}
