/// Full-cover system bets: every combination of the chosen sizes over n selections.
///
/// | name        | selections | lines                                   |
/// |-------------|------------|-----------------------------------------|
/// | doubles     | n >= 2     | every double                            |
/// | trebles     | n >= 3     | every treble                            |
/// | trixie      | 3          | 3 doubles, 1 treble = 4                 |
/// | patent      | 3          | 3 singles, 3 doubles, 1 treble = 7      |
/// | yankee      | 4          | doubles up to the fourfold = 11         |
/// | lucky15     | 4          | singles up to the fourfold = 15         |
/// | canadian    | 5          | doubles up to the fivefold = 26         |
/// | heinz       | 6          | doubles up to the sixfold = 57          |
/// | superHeinz  | 7          | doubles up to the sevenfold = 120       |
/// | goliath     | 8          | doubles up to the eightfold = 247       |
public enum SystemBet: String, Hashable, Sendable, Codable, CaseIterable {
    case doubles, trebles, trixie, patent, yankee, lucky15, canadian, heinz, superHeinz, goliath

    /// The number of selections the bet needs, or nil when any number in `variableSelections` is allowed.
    public var fixedSelectionCount: Int? {
        switch self {
        case .doubles, .trebles: nil
        case .trixie, .patent: 3
        case .yankee, .lucky15: 4
        case .canadian: 5
        case .heinz: 6
        case .superHeinz: 7
        case .goliath: 8
        }
    }

    /// For doubles and trebles: how many selections a full cover may span (bounded so the line
    /// count stays small: C(12, 3) = 220).
    public var variableSelections: ClosedRange<Int> {
        switch self {
        case .doubles: 2...12
        case .trebles: 3...12
        default: fixedSelectionCount!...fixedSelectionCount!
        }
    }

    /// Combination sizes covered for `selectionCount` selections.
    public func lineSizes(selectionCount n: Int) -> ClosedRange<Int> {
        switch self {
        case .doubles: 2...2
        case .trebles: 3...3
        case .patent, .lucky15: 1...n
        case .trixie, .yankee, .canadian, .heinz, .superHeinz, .goliath: 2...n
        }
    }

    /// The lines of this bet over legs 0..<n, each a sorted list of leg indices, ordered by size
    /// then lexicographically.
    public func lines(selectionCount n: Int) -> [[Int]] {
        precondition(variableSelections.contains(n), "\(self) does not take \(n) selections")
        var result: [[Int]] = []
        for size in lineSizes(selectionCount: n) {
            appendCombinations(of: size, from: n, into: &result)
        }
        return result
    }
}

/// Appends every `size`-subset of 0..<n in lexicographic order.
func appendCombinations(of size: Int, from n: Int, into result: inout [[Int]]) {
    guard size > 0, size <= n else { return }
    var indices = Array(0..<size)
    while true {
        result.append(indices)
        var position = size - 1
        while position >= 0 && indices[position] == n - size + position { position -= 1 }
        if position < 0 { return }
        indices[position] += 1
        for next in (position + 1)..<size { indices[next] = indices[next - 1] + 1 }
    }
}
