import Wagering

/// The shapes of `holdfast bench api`'s new slips: 65 % singles, 20 % three-leg accumulators and
/// 15 % trixies, each leg on a market of its own. One roll for every benchmark that places this
/// mix, over the wire (`BetMix`) or straight into the book or the journal (`SlipMix`).
enum SlipShape {
    case single, accumulator, trixie

    static func roll(using random: inout SeededRandom) -> SlipShape {
        let roll = random.next(100)
        return roll < 65 ? .single : roll < 85 ? .accumulator : .trixie
    }

    var legCount: Int { self == .single ? 1 : 3 }

    var kind: BetKind {
        switch self {
        case .single: .single
        case .accumulator: .accumulator
        case .trixie: .system(.trixie)
        }
    }

    /// 80 % at exact odds, 20 % accepting higher, as a kiosk's customers choose.
    static func rollPolicy(using random: inout SeededRandom) -> OddsChangePolicy {
        random.next(100) < 80 ? .exact : .acceptHigher
    }
}

/// `holdfast bench api`'s mix as the daemon hands it to the journal, on `BenchBook`'s board: each
/// request with strings of its own (terminal, idempotency key, a SHA-256-sized request digest).
struct SlipMix {
    private var random: SeededRandom
    private var previous: BetRequest?

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// A new request, numbered `serial` for terminal `terminal`.
    mutating func request(serial: Int, terminal: String) throws -> BetRequest {
        let shape = SlipShape.roll(using: &random)
        let first = random.next(BenchBook.markets)
        let legs = try (0..<shape.legCount).map { offset in
            let runner = random.next(BenchBook.runners)
            return Leg(selectionID: SelectionID(rawValue: "bench-m\((first + offset) % BenchBook.markets)-s\(runner)"),
                       seenOdds: try BenchBook.odds(runner), seenPriceVersion: 1)
        }
        let slip = BetSlip(kind: shape.kind, legs: legs, stakePerLine: Money(minorUnits: Int64(50 + random.next(500)), currency: .gbp),
                           oddsChangePolicy: SlipShape.rollPolicy(using: &random))
        let digest = Digest256(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: random.next(256)) })
        let request = BetRequest(terminalID: TerminalID(rawValue: terminal), idempotencyKey: "\(terminal)-\(serial)", slip: slip,
                                 requestDigest: digest)
        previous = request
        return request
    }

    /// As a kiosk sends them: 5 % are a retry of the previous request (same key, answered from
    /// the idempotency index), the rest new.
    mutating func next(serial: Int, terminal: String) throws -> (request: BetRequest, retry: Bool) {
        if let previous, random.next(100) < 5 { return (previous, true) }
        return (try request(serial: serial, terminal: terminal), false)
    }
}
