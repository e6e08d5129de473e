import Foundation
import Journal
import Logging
import NIOConcurrencyHelpers
import Randomness
import Testing
import TestSupport
@testable import Appliance
import Wagering

/// The decider on its own: a real journal, a clock and a central the test moves by hand
/// (docs/adr/0014-in-play-delay.md).
@Suite("In-play decisions: after the delay, after central is heard, never missed")
struct DelayDeciderTests {
    /// Wall and monotonic time the test moves; monotonic starts at 1 s.
    final class HandClock: JournalClock {
        private let nanos = NIOLockedValueBox<Int64>(1_000_000_000)
        func wallMillis() -> Int64 { 1_795_867_200_000 + nanos.withLockedValue { $0 } / 1_000_000 }
        func monotonicNanos() -> Int64 { nanos.withLockedValue { $0 } }
        func advance(seconds: Int64) { nanos.withLockedValue { $0 += seconds * 1_000_000_000 } }
    }

    /// What central's link looks like to the decider, set by the test.
    final class HandCentral: Sendable {
        let online = NIOLockedValueBox(true)
        let lastFeedSend = NIOLockedValueBox<Int64?>(nil)
        let feedAsked = NIOLockedValueBox(0)

        var witness: DelayDecider.CentralWitness {
            DelayDecider.CentralWitness(online: { self.online.withLockedValue { $0 } },
                                        lastFeedSend: { self.lastFeedSend.withLockedValue { $0 } },
                                        readFeedNow: { _ in self.feedAsked.withLockedValue { $0 += 1 } })
        }
    }

    struct Desk {
        let directory: TemporaryDirectory
        let journal: BetJournal
        let clock = HandClock()
        let central = HandCentral()
        let decider: DelayDecider

        init(maxPendingSeconds: Int = 60) async throws {
            directory = try TemporaryDirectory()
            let limits = BettingLimits(minStakePerLine: 1, maxStakePerBet: 1_000_000, maxPayoutPerBet: 100_000_000,
                                       maxLiabilityPerSelection: 100_000_000, maxLiabilityPerMarket: 100_000_000,
                                       terminalDefaults: TerminalLimits(maxStakePerBet: 1_000_000, maxOpenStake: 100_000_000))
            var configuration = JournalConfiguration(directory: directory.path, applianceCode: try ApplianceCode("DLY1"), currency: .gbp,
                                                     limits: limits)
            configuration.inPlayRules = InPlayRules(floorSeconds: 5, maxPendingPerTerminal: 16, maxPending: 64)
            var random = SystemRandom()
            var logger = Logger(label: "holdfast.test")
            logger.logLevel = .warning
            journal = try await BetJournal.open(configuration, clock: clock, random: &random, logger: logger)
            decider = DelayDecider(journal: journal, clock: clock, witness: central.witness, maxPendingSeconds: maxPendingSeconds, logger: logger)
            let market = Market(id: "live", event: Event(id: "match", name: "Live match", startsAtMillis: 1_700_000_000_000), name: "Result",
                                inPlay: true, selections: [Selection(id: "home", name: "Home", odds: try Odds.parse("2.0")),
                                                           Selection(id: "away", name: "Away", odds: try Odds.parse("3.0"))])
            try await journal.apply(.publish(market))
        }

        func place(_ key: String, on selection: SelectionID = "home", terminal: TerminalID = "kiosk-1") async throws -> PlacedBet {
            let odds = try #require(journal.board().market(containing: selection)?.selection(selection)?.odds)
            let slip = BetSlip(kind: .single, legs: [Leg(selectionID: selection, seenOdds: odds, seenPriceVersion: 1)],
                               stakePerLine: Money(minorUnits: 100, currency: .gbp), oddsChangePolicy: .exact)
            let receipt = try await journal.place(BetRequest(terminalID: terminal, idempotencyKey: key, slip: slip,
                                                             requestDigest: Digest256(hashing: Array(key.utf8))))
            #expect(receipt.status == .pending)
            decider.hold(receipt.bet)
            return receipt.bet
        }
    }

    @Test("nothing before the delay; after it, nothing until a feed answer sent after it, the feed asked once; then every waiter answered")
    func waitsForTheFeed() async throws {
        let desk = try await Desk()
        let bet = try await desk.place("a")
        let first = Task { await desk.decider.outcome(of: bet, isNew: false) }
        let second = Task { await desk.decider.outcome(of: bet, isNew: false) }

        desk.clock.advance(seconds: 4)
        await desk.decider.decideDue()
        #expect(desk.decider.pendingCount == 1 && desk.central.feedAsked.withLockedValue { $0 } == 0, "inside the delay")

        desk.clock.advance(seconds: 2)
        desk.central.lastFeedSend.withLockedValue { $0 = desk.clock.monotonicNanos() - 3_000_000_000 }
        await desk.decider.decideDue()
        await desk.decider.decideDue()
        #expect(desk.decider.pendingCount == 1, "a feed answer sent inside the delay proves nothing")
        #expect(desk.central.feedAsked.withLockedValue { $0 } == 1, "the feed is asked once per bet")

        desk.central.online.withLockedValue { $0 = false }
        desk.central.lastFeedSend.withLockedValue { $0 = desk.clock.monotonicNanos() }
        await desk.decider.decideDue()
        #expect(desk.decider.pendingCount == 1, "the records channel is not fresh: the link is not online")

        desk.central.online.withLockedValue { $0 = true }
        await desk.decider.decideDue()
        let (one, two) = (await first.value, await second.value)
        #expect(one == .accepted && two == .accepted)
        #expect(desk.decider.pendingCount == 0)
        // A retry after the decision is answered from the journal.
        #expect(await desk.decider.outcome(of: bet, isNew: false) == .accepted)
        await desk.journal.close()
    }

    @Test("central never heard: declined as undecided_in_time at max_pending_seconds, and a late waiter gets the same decision")
    func givesUp() async throws {
        let desk = try await Desk(maxPendingSeconds: 31)
        let bet = try await desk.place("b")
        desk.clock.advance(seconds: 30)
        await desk.decider.decideDue()
        #expect(desk.decider.pendingCount == 1)
        desk.clock.advance(seconds: 1)
        await desk.decider.decideDue()
        guard case .declined(let decision) = await desk.decider.outcome(of: bet, isNew: false) else {
            Issue.record("not declined")
            return
        }
        #expect(decision.declined == .undecidedInTime && decision.ticketID == bet.ticketID)
        await desk.journal.close()
    }

    @Test("many waiters racing the decisions: each answered once, with the journal's decision")
    func racingWaiters() async throws {
        let desk = try await Desk()
        var bets: [PlacedBet] = []
        for index in 0..<12 { bets.append(try await desk.place("race-\(index)", on: index % 2 == 0 ? "home" : "away")) }
        // A price moves inside the delay: every bet on away is declined.
        try await desk.journal.apply(.changePrice("away", try Odds.parse("3.5")))
        desk.clock.advance(seconds: 6)
        desk.central.lastFeedSend.withLockedValue { $0 = desk.clock.monotonicNanos() }
        let outcomes = await withTaskGroup(of: (Int, DelayDecider.Outcome).self) { group in
            for (index, bet) in bets.enumerated() {
                for _ in 0..<3 { group.addTask { (index, await desk.decider.outcome(of: bet, isNew: false)) } }
            }
            group.addTask {
                await desk.decider.decideDue()
                return (-1, .accepted)
            }
            return await group.reduce(into: [(Int, DelayDecider.Outcome)]()) { $0.append($1) }
        }
        for (index, outcome) in outcomes where index >= 0 {
            if index % 2 == 0 {
                #expect(outcome == .accepted)
            } else if case .declined(let decision) = outcome {
                #expect(decision.declined == .priceChanged)
            } else {
                Issue.record("bet \(index) got \(outcome)")
            }
        }
        #expect(outcomes.count == 37 && desk.decider.pendingCount == 0)
        await desk.journal.close()
    }

    @Test("at its deadline a bet central was heard for is decided on its merits, not given up")
    func heardAtTheDeadline() async throws {
        let desk = try await Desk(maxPendingSeconds: 31)
        let bet = try await desk.place("c")
        desk.clock.advance(seconds: 40)
        desk.central.lastFeedSend.withLockedValue { $0 = desk.clock.monotonicNanos() }
        await desk.decider.decideDue()
        #expect(await desk.decider.outcome(of: bet, isNew: false) == .accepted)
        await desk.journal.close()
    }

    @Test("retries cannot pile up: past eight waiters on one bet, a retry is answered undecided at once")
    func waitersAreBounded() async throws {
        let desk = try await Desk()
        let bet = try await desk.place("d")
        let waiting = (0..<DelayDecider.maxWaitersPerBet).map { _ in Task { await desk.decider.outcome(of: bet, isNew: false) } }
        while desk.decider.waiterCount(bet.ticketID) < DelayDecider.maxWaitersPerBet { await Task.yield() }
        guard case .undecided(let why) = await desk.decider.outcome(of: bet, isNew: false) else {
            Issue.record("a ninth waiter was let in")
            return
        }
        #expect(why.contains("8 requests already wait"))
        desk.clock.advance(seconds: 6)
        desk.central.lastFeedSend.withLockedValue { $0 = desk.clock.monotonicNanos() }
        await desk.decider.decideDue()
        for task in waiting { #expect(await task.value == .accepted) }
        await desk.journal.close()
    }

    @Test("stopping answers every waiter undecided at once, so the HTTP drain never waits out a delay; the bet stays pending")
    func stoppingAnswersWaiters() async throws {
        let desk = try await Desk()
        let bet = try await desk.place("e")
        let runner = Task { try await desk.decider.run() }
        let waiter = Task { await desk.decider.outcome(of: bet, isNew: false) }
        while desk.decider.waiterCount(bet.ticketID) < 1 { await Task.yield() }
        runner.cancel()
        #expect(await waiter.value == .undecided(DelayDecider.stoppingReason))
        _ = try? await runner.value
        #expect(try await desk.journal.ticket(bet.ticketID)?.status == .pending)
        // A request arriving after the stop is answered at once, not left waiting.
        #expect(await desk.decider.outcome(of: bet, isNew: false) == .undecided(DelayDecider.stoppingReason))
        await desk.journal.close()
    }
}
