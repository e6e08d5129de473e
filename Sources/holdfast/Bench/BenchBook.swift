import Journal
import Logging
import Wagering

/// The book every journal-backed benchmark uses: 50 markets of 8 runners and limits no bet
/// reaches, so the figures measure the path, not refusals.
enum BenchBook {
    static let markets = 50
    static let runners = 8

    /// Offline limits no benchmark bet reaches: bets are marked offline (so central checks each)
    /// without being refused.
    static let unlimitedOffline = OfflineTerms(maxStakePerBet: .max / 4, maxLiability: .max / 4, maxBets: 50_000_000)

    static var quietLogger: Logger {
        var logger = Logger(label: "holdfast.bench")
        logger.logLevel = .warning
        return logger
    }

    static let limits = BettingLimits(minStakePerLine: 1, maxStakePerBet: .max / 4, maxPayoutPerBet: .max / 4,
                                      maxLiabilityPerSelection: .max / 4, maxLiabilityPerMarket: .max / 4,
                                      terminalDefaults: TerminalLimits(maxStakePerBet: .max / 4, maxOpenStake: .max / 4))

    static func configuration(directory: String, code: String = "BNCH", commitDelay: Duration = .zero) throws -> JournalConfiguration {
        JournalConfiguration(directory: directory, applianceCode: try ApplianceCode(code), currency: .gbp,
                             limits: limits, maxOpenTickets: 50_000_000, groupCommitDelay: commitDelay)
    }

    static func publishBoard(_ journal: BetJournal) async throws {
        for number in 0..<markets { try await journal.apply(.publish(try market(number))) }
    }

    /// Market `number` of the board, on an event of its own, its runners at 1.5, 2.5, 3.5 ...
    static func market(_ number: Int) throws -> Market {
        // 2100-01-01: the bench's events never start, so pre-match bets stay open to them.
        let event = Event(id: EventID(rawValue: "bench-e\(number)"), name: "Bench event \(number)", startsAtMillis: 4_102_444_800_000)
        let selections = try (0..<runners).map { index in
            Selection(id: SelectionID(rawValue: "bench-m\(number)-s\(index)"), name: "Runner \(index)", odds: try odds(index))
        }
        return Market(id: MarketID(rawValue: "bench-m\(number)"), event: event, name: "Win", selections: selections)
    }

    /// The `count`-th single of submitter `submitter`, at the board's price; its key is unique.
    static func bet(submitter: Int, count: Int) throws -> BetRequest {
        let market = (submitter * 7 + count) % markets
        let selection = count % runners
        let slip = BetSlip(kind: .single,
                           legs: [Leg(selectionID: SelectionID(rawValue: "bench-m\(market)-s\(selection)"), seenOdds: try odds(selection),
                                      seenPriceVersion: 1)],
                           stakePerLine: Money(minorUnits: 200, currency: .gbp), oddsChangePolicy: .exact)
        let key = "bench-\(submitter)-\(count)"
        return BetRequest(terminalID: TerminalID(rawValue: "kiosk-\(submitter % 16)"), idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array(key.utf8)))
    }

    static func odds(_ runner: Int) throws -> Odds {
        try Odds(decimalNumerator: Int64(150 + 100 * runner), denominator: 100)
    }
}
