// Random command sequences for the book's property tests. Commands name things by index into
// fixed pools (markets, selections, prices) and into the tickets placed so far, so any
// subsequence of a sequence is still a meaningful sequence.
import PropertyBased
import Testing
@testable import Wagering

enum Command: Sendable, CustomStringConvertible {
    case publish(market: Int, prices: [Int])
    case changePrice(selection: Int, price: Int)
    case setStatus(market: Int, status: MarketStatus)
    case withdraw(selection: Int)
    case place(kind: Int, legs: [Int], stake: Int64, policy: OddsChangePolicy, terminal: Int, stale: Bool)
    case result(market: Int, outcomes: [Int])
    case void(ticket: Int)
    case pay(ticket: Int, rightCode: Bool)
    case tick(Int64)
    case significant

    var description: String {
        switch self {
        case .publish(let market, let prices): "publish(m\(market), \(prices))"
        case .changePrice(let selection, let price): "price(s\(selection) -> #\(price))"
        case .setStatus(let market, let status): "status(m\(market), \(status))"
        case .withdraw(let selection): "withdraw(s\(selection))"
        case .place(let kind, let legs, let stake, let policy, let terminal, let stale):
            "place(kind \(kind), \(legs), \(stake), \(policy), T\(terminal)\(stale ? ", stale" : ""))"
        case .result(let market, let outcomes): "result(m\(market), \(outcomes))"
        case .void(let ticket): "void(#\(ticket))"
        case .pay(let ticket, let rightCode): "pay(#\(ticket), \(rightCode ? "right" : "wrong") code)"
        case .tick(let millis): "tick(\(millis))"
        case .significant: "significant"
        }
    }
}

enum Pool {
    /// Market index -> (id, event, allows same-event multiples, selection indices).
    static let markets: [(id: MarketID, event: EventID, allowsSameEvent: Bool, selections: [Int])] = [
        ("m0", "e0", false, [0, 1, 2]),
        ("m1", "e1", false, [3, 4]),
        ("m2", "e0", true, [5]),
        ("m3", "e3", true, [6, 7, 8]),
        ("m4", "e4", false, [9, 10]),
        ("m5", "e5", false, [11, 12]),
        ("m6", "e6", false, [13, 14, 15]),
        ("m7", "e0", true, [16]),
    ]
    static let selectionCount = 17
    static let prices: [Odds] = [price(6, 5), price(4, 3), price(3, 2), price(5, 3), price(2), price(19, 8), price(5, 2),
                                 price(3), price(10, 3), price(4), price(11, 2), price(9)]
    static let outcomes: [Outcome] = [.win, .lose, .lose, .void, .deadHeat(numerator: 1, denominator: 2)]
    /// An outcome index this high leaves the selection out of the result.
    static let omitted = outcomes.count
    static let terminals: [TerminalID] = ["T0", "T1", "T2"]
    static let voidWindow: Int64 = 60_000

    static func selectionID(_ index: Int) -> SelectionID { SelectionID(rawValue: "s\(index)") }

    static func market(_ index: Int, prices chosen: [Int]) -> Market {
        let spec = markets[index]
        return Fixture.market(spec.id, event: spec.event, allowsSameEventMultiples: spec.allowsSameEvent,
                              spec.selections.enumerated().map { position, selection in
                                  (selectionID(selection), prices[chosen[position % chosen.count] % prices.count])
                              })
    }

    static let limits = BettingLimits(
        minStakePerLine: 10, maxStakePerBet: 60_000, maxPayoutPerBet: 400_000,
        maxLiabilityPerSelection: 300_000, maxLiabilityPerMarket: 250_000,
        terminalDefaults: TerminalLimits(maxStakePerBet: 50_000, maxOpenStake: 150_000),
        terminalOverrides: ["T2": TerminalLimits(maxStakePerBet: 5_000, maxOpenStake: 20_000)])
    static let maxOpenTickets = 20

    /// Every pool market published at its first prices.
    static let publishAll: [Command] = markets.indices.map { .publish(market: $0, prices: [$0, $0 + 3, $0 + 6]) }

    static let command = Generator<Command, Shrink.None<Command>> { rng in
        func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        func market() -> Int { pick(0...(markets.count - 1)) }
        func selection() -> Int { pick(0...(selectionCount - 1)) }
        switch pick(0...99) {
        case 0..<4: return .publish(market: market(), prices: (0..<3).map { _ in pick(0...11) })
        case 4..<14: return .changePrice(selection: selection(), price: pick(0...11))
        case 14..<19:
            return .setStatus(market: market(), status: [MarketStatus.open, .open, .suspended, .closed][pick(0...3)])
        case 19..<21: return .withdraw(selection: selection())
        case 21..<66:
            let legCount = [1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8][pick(0...11)]
            return .place(kind: pick(0...11), legs: (0..<legCount).map { _ in selection() },
                          stake: Int64([5, 10, 100, 250, 1_000, 5_000, 20_000][pick(0...6)] + pick(0...9)),
                          policy: OddsChangePolicy.allCases[pick(0...2)], terminal: pick(0...2), stale: pick(0...4) == 0)
        case 66..<71: return .result(market: market(), outcomes: (0..<3).map { _ in pick(0...Pool.omitted) })
        case 71..<79: return .void(ticket: pick(0...1_000))
        case 79..<89: return .pay(ticket: pick(0...1_000), rightCode: pick(0...3) != 0)
        case 89..<97: return .tick(Int64(pick(0...40_000)))
        default: return .significant
        }
    }

    static let commands = command.array(of: 1...80)
}

/// Runs commands against a desk, recording each accepted fact, the tickets placed, and checking
/// that every refused command left the book exactly as it was.
struct CommandRunner {
    var desk = Desk(limits: Pool.limits, maxOpenTickets: Pool.maxOpenTickets)
    var applied: [Applied] = []
    var placed: [TicketID] = []
    var refusals = 0
    /// Refusals by their case name ("limit(max_stake_per_bet)", "oddsChanged", ...).
    var refusalKinds: [String: Int] = [:]

    mutating func run(_ commands: [Command]) {
        for command in commands { run(command) }
    }

    mutating func run(_ command: Command) {
        let before = desk.book.snapshot
        do {
            if let fact = try perform(command) {
                applied.append(fact)
                if case .betPlaced(let bet) = fact.event { placed.append(bet.ticketID) }
            }
        } catch {
            refusals += 1
            refusalKinds[Self.name(of: error), default: 0] += 1
            if desk.book.snapshot != before {
                Issue.record("refused \(command) (\(error)) but the book changed")
            }
        }
    }

    static func name(of refusal: BookRefusal) -> String {
        switch refusal {
        case .limit(let breach): "limit(\(breach.limit.rawValue))"
        case .slip(let problem): "slip(\(Mirror(reflecting: problem).children.first?.label ?? "?"))"
        default: Mirror(reflecting: refusal).children.first?.label ?? "?"
        }
    }

    private mutating func perform(_ command: Command) throws(BookRefusal) -> Applied? {
        switch command {
        case .publish(let market, let prices):
            return try desk.book.publish(Pool.market(market, prices: prices))
        case .changePrice(let selection, let price):
            return try desk.book.changePrice(of: Pool.selectionID(selection), to: Pool.prices[price])
        case .setStatus(let market, let status):
            return try desk.book.setStatus(of: Pool.markets[market].id, to: status)
        case .withdraw(let selection):
            return try desk.book.withdraw(Pool.selectionID(selection))
        case .place(let kindIndex, let chosen, let stake, let policy, let terminal, let stale):
            // Kinds 0-5: the natural kind for the distinct legs; 6-8: a system bet that fits them if
            // there is one; 9-11: any kind over the legs as drawn (repeats and wrong counts included).
            var legIndices = chosen
            if kindIndex < 9 {
                var seen = Set<Int>()
                legIndices = chosen.filter { seen.insert($0).inserted }
            }
            let natural: BetKind = legIndices.count == 1 ? .single : .accumulator
            let fitting = SystemBet.allCases.filter { $0.variableSelections.contains(legIndices.count) }
            let kind: BetKind = switch kindIndex {
            case 0..<6: natural
            case 6..<9: fitting.isEmpty ? natural : .system(fitting[Int(stake) % fitting.count])
            case 9: .single
            case 10: .accumulator
            default: .system(SystemBet.allCases[Int(stake) % SystemBet.allCases.count])
            }
            let legs = legIndices.map { index -> Leg in
                let id = Pool.selectionID(index)
                guard let current = desk.book.board.market(containing: id)?.selection(id) else {
                    return Leg(selectionID: id, seenOdds: .evens, seenPriceVersion: 1)
                }
                guard stale else { return Leg(selectionID: id, seenOdds: current.odds, seenPriceVersion: current.priceVersion) }
                let other = Pool.prices[(index + Int(stake)) % Pool.prices.count]
                return Leg(selectionID: id, seenOdds: other, seenPriceVersion: max(1, current.priceVersion - 1))
            }
            let request = desk.request(kind, legs: legs, stake: stake, policy: policy, terminal: Pool.terminals[terminal])
            let serial = desk.nextSerial
            desk.nextSerial += 1
            return try desk.book.place(request, ticketID: Fixture.ticket(serial), securityDigest: Fixture.code(serial).digest,
                                       nowMillis: desk.nowMillis)
        case .result(let marketIndex, let outcomeIndices):
            let spec = Pool.markets[marketIndex]
            var outcomes: [SelectionID: Outcome] = [:]
            for (position, selection) in spec.selections.enumerated() where outcomeIndices[position] < Pool.omitted {
                outcomes[Pool.selectionID(selection)] = Pool.outcomes[outcomeIndices[position]]
            }
            return try desk.book.result(MarketResult(marketID: spec.id, outcomes: outcomes))
        case .void(let ticket):
            guard !placed.isEmpty else { return nil }
            return try desk.book.void(placed[ticket % placed.count], by: "staff", reason: "test", nowMillis: desk.nowMillis,
                                      windowMillis: Pool.voidWindow)
        case .pay(let ticket, let rightCode):
            guard !placed.isEmpty else { return nil }
            let id = placed[ticket % placed.count]
            let code = Fixture.code(rightCode ? id.serial : id.serial + 1_000_000)
            return try desk.book.pay(id, code: code.digest, at: "cashier", nowMillis: desk.nowMillis)
        case .tick(let millis):
            desk.nowMillis += millis
            return nil
        case .significant:
            return desk.book.record(SignificantEvent(category: "test.event", message: "at \(desk.nowMillis)", atMillis: desk.nowMillis))
        }
    }
}
