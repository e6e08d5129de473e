// Shared fixtures for the Wagering tests: a deterministic random source, exact reference
// arithmetic written independently of the module, board and book builders, and a snapshot of a
// book's whole state for "a refused command changes nothing" checks.
import Testing
@testable import Wagering
@_exported import TestSupport

// MARK: Reference arithmetic

func referenceGCD(_ a: Int128, _ b: Int128) -> Int128 {
    var (x, y) = (a < 0 ? -a : a, b < 0 ? -b : b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

/// A non-negative exact fraction on Int128, reduced after every operation. Used as the
/// independent reference for returns on small inputs.
struct Ratio: Equatable, CustomStringConvertible {
    var numerator: Int128
    var denominator: Int128

    init(_ numerator: Int128, _ denominator: Int128 = 1) {
        precondition(denominator > 0)
        let divisor = referenceGCD(numerator, denominator)
        self.numerator = divisor == 0 ? 0 : numerator / divisor
        self.denominator = divisor == 0 ? 1 : denominator / divisor
    }

    static let zero = Ratio(0)
    static let one = Ratio(1)

    static func + (a: Ratio, b: Ratio) -> Ratio {
        let divisor = referenceGCD(a.denominator, b.denominator)
        let lcm = a.denominator / divisor * b.denominator
        return Ratio(a.numerator * (lcm / a.denominator) + b.numerator * (lcm / b.denominator), lcm)
    }

    static func * (a: Ratio, b: Ratio) -> Ratio {
        // Cross-reduce first to keep the intermediates small.
        let g1 = referenceGCD(a.numerator, b.denominator)
        let g2 = referenceGCD(b.numerator, a.denominator)
        let (an, bd) = g1 == 0 ? (a.numerator, b.denominator) : (a.numerator / g1, b.denominator / g1)
        let (bn, ad) = g2 == 0 ? (b.numerator, a.denominator) : (b.numerator / g2, a.denominator / g2)
        return Ratio(an * bn, ad * bd)
    }

    /// Rounded towards zero (these ratios are never negative): the minor-unit rounding rule.
    var floor: Int128 { numerator / denominator }

    var description: String { "\(numerator)/\(denominator)" }
}

extension Ratio {
    init(_ odds: Odds) { self.init(Int128(odds.numerator), Int128(odds.denominator)) }

    /// The factor an outcome applies to a leg struck at `odds`, worked out from the rules
    /// (win: odds; lose: 0; void: 1; dead heat k/m: odds x k/m), not via `Outcome.factor`.
    init(outcome: Outcome, odds: Odds) {
        switch outcome {
        case .win: self.init(odds)
        case .lose: self = .zero
        case .void: self = .one
        case .deadHeat(let k, let m): self = Ratio(odds) * Ratio(Int128(k), Int128(m))
        }
    }
}

/// floor(stake x sum over lines of the product of the line's factors), computed with reduced
/// fractions line by line.
func referenceReturn(stake: Int64, lines: [[Int]], factors: [Ratio]) -> Int128 {
    var sum = Ratio.zero
    for line in lines {
        var product = Ratio(Int128(stake))
        for leg in line { product = product * factors[leg] }
        sum = sum + product
    }
    return sum.floor
}

/// Every `size`-subset of 0..<n, by a method unlike the module's (bit masks), sorted.
func referenceCombinations(_ n: Int, size: Int) -> [[Int]] {
    var result: [[Int]] = []
    for mask in 0..<(1 << n) where mask.nonzeroBitCount == size {
        result.append((0..<n).filter { mask & (1 << $0) != 0 })
    }
    return result.sorted { $0.lexicographicallyPrecedes($1) }
}

func binomial(_ n: Int, _ k: Int) -> Int {
    guard k >= 0, k <= n else { return 0 }
    var result = 1
    for i in 0..<k { result = result * (n - i) / (i + 1) }
    return result
}

// MARK: Fixtures

/// Decimal odds `numerator/denominator`, for literals known to be valid.
func price(_ numerator: Int64, _ denominator: Int64 = 1) -> Odds {
    try! Odds(decimalNumerator: numerator, denominator: denominator)
}

func gbp(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .gbp) }

enum Fixture {
    static let appliance = try! ApplianceCode("HF01")

    static func ticket(_ serial: UInt64) -> TicketID { TicketID(applianceCode: appliance, serial: serial) }

    /// A security code per serial, built from the serial's base-32 digits so each is distinct.
    static func code(_ serial: UInt64) -> SecurityCode {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var text = "K7QM"
        for shift in stride(from: 35, through: 0, by: -5) { text.append(alphabet[Int((serial >> UInt64(shift)) & 31)]) }
        return try! SecurityCode(parsing: text)
    }

    /// Limits so generous that no ordinary test bet reaches them; each limit test tightens one.
    static let generousLimits = BettingLimits(
        minStakePerLine: 1, maxStakePerBet: 1_000_000_000, maxPayoutPerBet: 1_000_000_000_000,
        maxLiabilityPerSelection: 1_000_000_000_000, maxLiabilityPerMarket: 1_000_000_000_000,
        terminalDefaults: TerminalLimits(maxStakePerBet: 1_000_000_000, maxOpenStake: 1_000_000_000_000))

    static func market(_ id: MarketID, event: EventID, allowsSameEventMultiples: Bool = false,
                       _ selections: [(SelectionID, Odds)]) -> Market {
        Market(id: id, event: Event(id: event, name: "event \(event)", startsAtMillis: 1_700_000_000_000),
               name: "market \(id)", allowsSameEventMultiples: allowsSameEventMultiples,
               selections: selections.map { Selection(id: $0.0, name: "runner \($0.0)", odds: $0.1) })
    }
}

// MARK: Book snapshots

/// Everything a book holds, internal indexes included, so equality means "nothing changed".
struct BookSnapshot: Equatable {
    var board: Board
    var exposure: Exposure
    var tickets: [TicketID: TicketState]
    var ticketsByMarket: [MarketID: Set<TicketID>]
    var openStakeByTerminal: [TerminalID: Int64]
    var openTicketCount: Int
    var pendingBets: [TicketID: PlacedBet]
    var pendingByTerminal: [TerminalID: Int]
    var limits: BettingLimits
}

extension Book {
    var snapshot: BookSnapshot {
        BookSnapshot(board: board, exposure: exposure, tickets: tickets, ticketsByMarket: ticketsByMarket,
                     openStakeByTerminal: openStakeByTerminal, openTicketCount: openTicketCount, pendingBets: pendingBets,
                     pendingByTerminal: pendingByTerminal, limits: limits)
    }
}

// MARK: A desk: a book plus the caller's duties (serials, codes, clock)

struct Desk {
    var book: Book
    var nextSerial: UInt64 = 1
    var nowMillis: Int64 = 1_000_000

    init(limits: BettingLimits = Fixture.generousLimits, maxOpenTickets: Int = 10_000, currency: Currency = .gbp) {
        book = Book(currency: currency, limits: limits, maxOpenTickets: maxOpenTickets)
    }

    mutating func publish(_ market: Market) throws {
        _ = try book.publish(market)
    }

    /// Legs at the prices and versions currently on the board, as a terminal would send them.
    func legs(_ selections: [SelectionID]) throws -> [Leg] {
        try selections.map { id in
            let selection = try #require(book.board.market(containing: id)?.selection(id), "no selection \(id)")
            return Leg(selectionID: id, seenOdds: selection.odds, seenPriceVersion: selection.priceVersion)
        }
    }

    func request(_ kind: BetKind, legs: [Leg], stake: Int64, policy: OddsChangePolicy = .exact,
                 terminal: TerminalID = "T1", currency: Currency = .gbp) -> BetRequest {
        let slip = BetSlip(kind: kind, legs: legs, stakePerLine: Money(minorUnits: stake, currency: currency),
                           oddsChangePolicy: policy)
        return BetRequest(terminalID: terminal, idempotencyKey: "key-\(nextSerial)", slip: slip,
                          requestDigest: Digest256(hashing: Array("digest-\(nextSerial)".utf8)))
    }

    /// Places a bet at the current prices; returns the bet as accepted.
    @discardableResult
    mutating func place(_ kind: BetKind, _ selections: [SelectionID], stake: Int64, policy: OddsChangePolicy = .exact,
                        terminal: TerminalID = "T1") throws -> PlacedBet {
        try place(request(kind, legs: legs(selections), stake: stake, policy: policy, terminal: terminal))
    }

    @discardableResult
    mutating func place(_ request: BetRequest) throws(BookRefusal) -> PlacedBet {
        let serial = nextSerial
        nextSerial += 1
        let applied = try book.place(request, ticketID: Fixture.ticket(serial), securityDigest: Fixture.code(serial).digest,
                                     nowMillis: nowMillis)
        guard case .betPlaced(let bet) = applied.event else { preconditionFailure("place applied \(applied.event)") }
        return bet
    }

    /// Runs a command that must be refused; records an issue if it was accepted or if the refusal
    /// changed anything in the book. Returns the refusal.
    mutating func refusal(sourceLocation: SourceLocation = #_sourceLocation,
                          _ command: (inout Desk) throws(BookRefusal) -> Void) -> BookRefusal? {
        let before = book.snapshot
        do {
            try command(&self)
            Issue.record("the command was accepted, expected a refusal", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(book.snapshot == before, "a refused command changed the book", sourceLocation: sourceLocation)
            return error
        }
    }

    /// The limit breach a refused placement names, or nil (with an issue) for any other outcome.
    mutating func breach(sourceLocation: SourceLocation = #_sourceLocation, _ request: BetRequest) -> LimitBreach? {
        let refusal = refusal(sourceLocation: sourceLocation) { desk throws(BookRefusal) in _ = try desk.place(request) }
        guard case .limit(let breach)? = refusal else {
            Issue.record("expected a limit refusal, got \(String(describing: refusal))", sourceLocation: sourceLocation)
            return nil
        }
        return breach
    }
}
