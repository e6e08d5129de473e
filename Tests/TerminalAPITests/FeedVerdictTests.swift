import Foundation
import Logging
import SyncProtocol
import Testing
import Wagering
@testable import Appliance

/// Central's verdicts as the appliance's feed applies them: none is dropped silently, and none
/// delivered again raises a false alarm (docs/adr/0012; found by the review of issue 24's change).
@Suite("Uplink: central's verdicts through the feed")
struct FeedVerdictTests {
    /// A bet on r1-a at whatever price stands, taken offline (with `offline`) or online.
    static func bet(_ appliance: RunningAppliance, key: String, offline: Bool) async throws -> PlacedBet {
        let slip = BetSlip(kind: .single, legs: [Leg(selectionID: "r1-a", seenOdds: try Odds.parse("2.0"), seenPriceVersion: 0)],
                           stakePerLine: Money(minorUnits: 300, currency: .gbp), oddsChangePolicy: .acceptAny)
        let request = BetRequest(terminalID: "kiosk-1", idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array(key.utf8)),
                                 offline: offline ? OfflineTerms(maxStakePerBet: 10_000, maxLiability: 1_000_000, maxBets: 10) : nil)
        return try await appliance.service.journal.place(request).bet
    }

    static func verdict(_ bet: PlacedBet, _ decision: Verdict.Decision, cursor: Int64) -> FeedItem {
        FeedItem(cursor: cursor, change: .verdicts([Verdict(seq: Int64(bet.ticketID.serial), ticketID: bet.ticketID.description,
                                                           decision: decision, reason: decision == .voided ? .staleOdds : nil, detail: "test")]))
    }

    static func unappliedAlerts(_ appliance: RunningAppliance) async throws -> [String] {
        try await appliance.service.journal.records(after: 0, limit: 10_000).compactMap { record in
            guard record.kind == "appliance.event",
                  let event = try? JSONDecoder().decode(SignificantEvent.self, from: Data(record.payload)),
                  event.category == "verdict.unapplied" else { return nil }
            return event.message
        }
    }

    @Test("a republish dropping a selection bets are on still applies its status, prices and delay, the selection kept as withdrawn; a pending in-play bet is then declined")
    func refusedRepublishStillSuspends() async throws {
        let appliance = try await RunningAppliance.start(extraConfig: "in_play: { delay_seconds: 1 }")
        let applier = FeedApplier(service: appliance.service, logger: Logger(label: "test"))
        try await appliance.service.changeBoard(.setStatus("r1", .open, inPlay: true))
        let pending = try await Self.bet(appliance, key: "in-play", offline: false)
        #expect(try await appliance.service.journal.ticket(pending.ticketID)?.status == .pending)
        var republished = try #require(appliance.service.journal.board().market("r1"))
        republished.selections.removeAll { $0.id == "r1-a" }
        republished.status = .suspended
        republished.betDelaySeconds = 9
        republished.selections[0].odds = try Odds.parse("4.5")
        try await applier.apply(FeedItem(cursor: 1, change: .marketPublished(republished)))
        let board = try #require(appliance.service.journal.board().market("r1"))
        #expect(board.status == .suspended && board.betDelaySeconds == 9, "the status and delay apply")
        #expect(board.selection(republished.selections[0].id)?.odds == (try Odds.parse("4.5")), "so do the prices")
        #expect(board.selection("r1-a")?.status == .withdrawn, "the dropped selection is kept, withdrawn")
        guard case .declined(let decision) = await appliance.service.delays.outcome(of: pending, isNew: false) else {
            Issue.record("a bet across a suspension was accepted")
            return
        }
        #expect(decision.declined == .marketChanged)
        await appliance.stop()
    }

    @Test("a verdict delivered again after its ticket is finished is skipped, with no alert")
    func redeliveredAfterFinished() async throws {
        let appliance = try await RunningAppliance.start()
        let applier = FeedApplier(service: appliance.service, logger: Logger(label: "test"))
        let loser = try await Self.bet(appliance, key: "loser", offline: true)
        try await appliance.service.journal.apply(.result(MarketResult(marketID: "r1", outcomes: ["r1-b": .win])))
        try await applier.apply(Self.verdict(loser, .confirmed, cursor: 1))
        #expect(try await appliance.service.journal.ticket(loser.ticketID)?.verdict == "confirmed")
        // The book has forgotten the confirmed loser; the feed is read again from an older cursor.
        try await applier.apply(Self.verdict(loser, .confirmed, cursor: 1))
        #expect(try await Self.unappliedAlerts(appliance).isEmpty)
        await appliance.stop()
    }

    @Test("a void verdict for a bet taken offline before verdicts were required is journaled as an alert, not skipped")
    func legacyBetGetsAnAlert() async throws {
        let appliance = try await RunningAppliance.start()
        let applier = FeedApplier(service: appliance.service, logger: Logger(label: "test"))
        // As an older build journaled it: no `verdictRequired`, so the book awaits no verdict.
        let legacy = try await Self.bet(appliance, key: "legacy", offline: false)
        try await applier.apply(Self.verdict(legacy, .voided, cursor: 2))
        let alerts = try await Self.unappliedAlerts(appliance)
        #expect(alerts.count == 1 && alerts.first?.contains(legacy.ticketID.description) == true, "\(alerts)")

        // A different decision from the one journaled is an alert too.
        let offline = try await Self.bet(appliance, key: "offline", offline: true)
        try await applier.apply(Self.verdict(offline, .confirmed, cursor: 3))
        try await applier.apply(Self.verdict(offline, .voided, cursor: 4))
        #expect(try await Self.unappliedAlerts(appliance).count == 2)
        #expect(try await appliance.service.journal.ticket(offline.ticketID)?.status == .open)
        await appliance.stop()
    }
}
