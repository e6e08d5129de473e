import Foundation
import PropertyBased
import Testing
@testable import Wagering

@Suite("System bets and bet slip shape")
struct SystemBetTests {
    static let namedCounts: [(SystemBet, Int, Int)] = [
        (.trixie, 3, 4), (.patent, 3, 7), (.yankee, 4, 11), (.lucky15, 4, 15),
        (.canadian, 5, 26), (.heinz, 6, 57), (.superHeinz, 7, 120), (.goliath, 8, 247),
    ]

    @Test("each named full-cover bet has its well-known number of lines", arguments: namedCounts)
    func namedLineCounts(_ system: SystemBet, _ selections: Int, _ lines: Int) {
        #expect(system.fixedSelectionCount == selections)
        #expect(system.variableSelections == selections...selections)
        #expect(system.lines(selectionCount: selections).count == lines)
    }

    @Test("doubles over n selections are the C(n, 2) pairs", arguments: 2...12)
    func doublesCount(_ n: Int) {
        let lines = SystemBet.doubles.lines(selectionCount: n)
        #expect(lines.count == n * (n - 1) / 2)
        #expect(lines == referenceCombinations(n, size: 2))
    }

    @Test("trebles over n selections are the C(n, 3) triples", arguments: 3...12)
    func treblesCount(_ n: Int) {
        let lines = SystemBet.trebles.lines(selectionCount: n)
        #expect(lines.count == n * (n - 1) * (n - 2) / 6)
        #expect(lines == referenceCombinations(n, size: 3))
    }

    @Test("a patent is three singles, three doubles and the treble, in that order")
    func patentLinesExactly() {
        #expect(SystemBet.patent.lines(selectionCount: 3) == [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]])
        #expect(SystemBet.trixie.lines(selectionCount: 3) == [[0, 1], [0, 2], [1, 2], [0, 1, 2]])
    }

    @Test("which selection counts each system takes")
    func selectionRanges() {
        #expect(SystemBet.doubles.variableSelections == 2...12)
        #expect(SystemBet.trebles.variableSelections == 3...12)
        #expect(SystemBet.doubles.fixedSelectionCount == nil)
        #expect(SystemBet.trebles.fixedSelectionCount == nil)
        #expect(SystemBet.lucky15.lineSizes(selectionCount: 4) == 1...4)
        #expect(SystemBet.goliath.lineSizes(selectionCount: 8) == 2...8)
    }

    @Test("every system's lines are distinct, sorted, of the covered sizes, and as many as the binomials say")
    func linesProperty() async {
        let systemAndCount = zip(Gen<SystemBet>.case, Gen.int(in: 0...10)).map { system, pick -> (SystemBet, Int) in
            let range = system.variableSelections
            return (system, range.lowerBound + pick % range.count)
        }
        await propertyCheck(count: 200, input: systemAndCount) { system, n in
            let lines = system.lines(selectionCount: n)
            let sizes = system.lineSizes(selectionCount: n)
            #expect(Set(lines).count == lines.count, "lines are distinct")
            for line in lines {
                #expect(sizes.contains(line.count), "line \(line) has a covered size")
                #expect(zip(line, line.dropFirst()).allSatisfy { $0 < $1 }, "line \(line) strictly increasing")
                #expect(line.allSatisfy { (0..<n).contains($0) }, "line \(line) names real legs")
            }
            #expect(lines.count == sizes.map { binomial(n, $0) }.reduce(0, +))
            // Ordered by size, then lexicographically: equal to the reference enumeration.
            #expect(lines == sizes.flatMap { referenceCombinations(n, size: $0) })
        }
    }

    @Test("bet kinds round-trip through their names")
    func kindNames() {
        let kinds: [BetKind] = [.single, .accumulator] + SystemBet.allCases.map { .system($0) }
        for kind in kinds {
            #expect(BetKind(name: kind.name) == kind)
        }
        #expect(BetKind(name: "superHeinz") == .system(.superHeinz))
        #expect(BetKind(name: "lucky 15") == nil)
        #expect(BetKind(name: "") == nil)
    }

    @Test("bet kinds encode as their names and unknown names are refused when decoding")
    func kindJSON() throws {
        let kinds: [BetKind] = [.single, .accumulator, .system(.yankee), .system(.superHeinz)]
        let json = try JSONEncoder().encode(kinds)
        #expect(String(decoding: json, as: UTF8.self) == #"["single","accumulator","yankee","superHeinz"]"#)
        #expect(try JSONDecoder().decode([BetKind].self, from: json) == kinds)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BetKind.self, from: Data(#""lucky16""#.utf8)) }
    }

    // MARK: Slip shape

    static func legs(_ count: Int) -> [Leg] {
        (0..<count).map { Leg(selectionID: SelectionID(rawValue: "s\($0)"), seenOdds: .evens, seenPriceVersion: 1) }
    }

    static func slip(_ kind: BetKind, legs count: Int, stake: Int64 = 100) -> BetSlip {
        BetSlip(kind: kind, legs: legs(count), stakePerLine: gbp(stake), oddsChangePolicy: .exact)
    }

    @Test("accumulators take 2 to 20 legs; 1 and 21 are refused")
    func accumulatorLegCounts() throws {
        for count in 2...20 {
            try Self.slip(.accumulator, legs: count).validateShape()
            #expect(Self.slip(.accumulator, legs: count).lines() == [Array(0..<count)])
        }
        for count in [0, 1, 21, 22] {
            #expect(throws: SlipProblem.legCount(kind: .accumulator, allowed: 2...20, got: count)) {
                try Self.slip(.accumulator, legs: count).validateShape()
            }
        }
    }

    @Test("a single takes exactly one leg")
    func singleLegCount() throws {
        try Self.slip(.single, legs: 1).validateShape()
        #expect(Self.slip(.single, legs: 1).lines() == [[0]])
        #expect(throws: SlipProblem.legCount(kind: .single, allowed: 1...1, got: 2)) { try Self.slip(.single, legs: 2).validateShape() }
        #expect(throws: SlipProblem.legCount(kind: .single, allowed: 1...1, got: 0)) { try Self.slip(.single, legs: 0).validateShape() }
    }

    @Test("system slips need the system's selection count", arguments: SystemBet.allCases)
    func systemLegCounts(_ system: SystemBet) throws {
        let range = system.variableSelections
        for count in range {
            try Self.slip(.system(system), legs: count).validateShape()
            #expect(Self.slip(.system(system), legs: count).lines() == system.lines(selectionCount: count))
        }
        for count in [range.lowerBound - 1, range.upperBound + 1] {
            #expect(throws: SlipProblem.legCount(kind: .system(system), allowed: range, got: count)) {
                try Self.slip(.system(system), legs: count).validateShape()
            }
        }
    }

    @Test("a repeated selection and a stake that is not positive are refused")
    func repeatedSelectionAndStake() {
        var slip = Self.slip(.accumulator, legs: 3)
        slip.legs[2].selectionID = "s0"
        #expect(throws: SlipProblem.repeatedSelection("s0")) { try slip.validateShape() }
        #expect(throws: SlipProblem.stakeNotPositive(gbp(0))) { try Self.slip(.single, legs: 1, stake: 0).validateShape() }
        #expect(throws: SlipProblem.stakeNotPositive(gbp(-5))) { try Self.slip(.system(.yankee), legs: 4, stake: -5).validateShape() }
    }
}
