import Foundation
import Journal
import Logging
import NIOConcurrencyHelpers
import Wagering
@_exported import TestSupport

/// A clock the test moves by hand: wall time starts at 2026-11-28T12:00Z, monotonic at 1 s.
final class ManualClock: JournalClock {
    private let state = NIOLockedValueBox<(wall: Int64, mono: Int64)>((1_795_867_200_000, 1_000_000_000))

    func wallMillis() -> Int64 { state.withLockedValue { $0.wall } }
    func monotonicNanos() -> Int64 { state.withLockedValue { $0.mono += 1_000; return $0.mono } }

    func advance(millis: Int64) {
        state.withLockedValue {
            $0.wall += millis
            $0.mono += millis * 1_000_000
        }
    }
}

enum Fixtures {
    static let limits = BettingLimits(
        minStakePerLine: 10, maxStakePerBet: 1_000_000, maxPayoutPerBet: 50_000_000,
        maxLiabilityPerSelection: 500_000_000, maxLiabilityPerMarket: 500_000_000,
        terminalDefaults: TerminalLimits(maxStakePerBet: 1_000_000, maxOpenStake: 1_000_000_000))

    static func configuration(_ directory: String, queueCapacity: Int = 4_096, groupCommitDelay: Duration = .zero,
                              idempotencyRunLength: Int = 2_048, walCheckpointFrames: Int = 250) -> JournalConfiguration {
        JournalConfiguration(directory: directory, applianceCode: try! ApplianceCode("HF01"), currency: .gbp, limits: limits,
                             queueCapacity: queueCapacity, groupCommitDelay: groupCommitDelay,
                             idempotencyRunLength: idempotencyRunLength, walCheckpointFrames: walCheckpointFrames)
    }

    static var logger: Logger {
        var logger = Logger(label: "holdfast.test")
        logger.logLevel = .warning
        return logger
    }

    static func open(_ directory: String, clock: ManualClock = ManualClock(), seed: UInt64 = 1,
                     queueCapacity: Int = 4_096, groupCommitDelay: Duration = .zero,
                     idempotencyRunLength: Int = 2_048, walCheckpointFrames: Int = 250) async throws -> BetJournal {
        var random = SplitMix64(seed: seed)
        return try await BetJournal.open(configuration(directory, queueCapacity: queueCapacity, groupCommitDelay: groupCommitDelay,
                                                       idempotencyRunLength: idempotencyRunLength, walCheckpointFrames: walCheckpointFrames),
                                         clock: clock, random: &random, logger: logger)
    }

    /// Market `m<n>` on event `e<n>` with selections `m<n>-s0`... priced 2.0, 3.0, 4.0, ...
    static func market(_ number: Int, selections: Int = 3) -> Market {
        let event = Event(id: EventID(rawValue: "e\(number)"), name: "Event \(number)", startsAtMillis: 1_795_870_800_000)
        return Market(id: MarketID(rawValue: "m\(number)"), event: event, name: "Win",
                      selections: (0..<selections).map { index in
                          Selection(id: SelectionID(rawValue: "m\(number)-s\(index)"), name: "Runner \(index)",
                                    odds: try! Odds(decimalNumerator: Int64(index + 2), denominator: 1))
                      })
    }

    static func single(_ selection: String, odds: Int64, stake: Int64 = 500, terminal: TerminalID = "kiosk-1",
                       key: String) -> BetRequest {
        let slip = BetSlip(kind: .single,
                           legs: [Leg(selectionID: SelectionID(rawValue: selection),
                                      seenOdds: try! Odds(decimalNumerator: odds, denominator: 1), seenPriceVersion: 1)],
                           stakePerLine: Money(minorUnits: stake, currency: .gbp), oddsChangePolicy: .exact)
        return BetRequest(terminalID: terminal, idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array("digest-\(selection)-\(stake)".utf8)))
    }

    static func publishBoard(_ journal: BetJournal, markets: Int) async throws {
        for number in 0..<markets { try await journal.apply(.publish(market(number))) }
    }
}
