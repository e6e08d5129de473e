import Foundation
import Journal
import Testing
import Wagering

/// Offline tickets wait for central's verdict across a reopen, and the verdict is a journaled
/// fact that full verification and rebuild reproduce (docs/adr/0012).
@Suite("Central's verdicts in the journal")
struct VerdictJournalTests {
    /// m0-s0 is priced 2.0, m0-s1 3.0.
    static func offline(_ selection: String, odds: Int64, key: String, stake: Int64) -> BetRequest {
        var request = Fixtures.single(selection, odds: odds, stake: stake, key: key)
        request.offline = OfflineTerms(maxStakePerBet: 10_000, maxLiability: 1_000_000, maxBets: 100)
        return request
    }

    @Test("a stale win waits, is voided by the verdict after a reopen, and the journal verifies and rebuilds to the same tables")
    func verdictAcrossReopen() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let stale = try await journal.place(Self.offline("m0-s0", odds: 2, key: "stale", stake: 200))
        let loser = try await journal.place(Self.offline("m0-s1", odds: 3, key: "loser", stake: 300))
        #expect(stale.bet.verdictRequired == true)
        _ = try await journal.apply(.result(MarketResult(marketID: "m0", outcomes: ["m0-s0": .win])))
        let code = try #require(stale.securityCode)
        await #expect(throws: JournalError.refused(.awaitingVerdict(stale.bet.ticketID))) {
            try await journal.apply(.pay(stale.bet.ticketID, code: code, at: "cashier"))
        }
        #expect(try await journal.ticket(stale.bet.ticketID)?.verdict == "pending")
        await journal.close()

        // The lost ticket is kept for its verdict across the reopen (loaded from the tables).
        let reopened = try await Fixtures.open(directory.path)
        let voided = try await reopened.apply(.verdict(loser.bet.ticketID, .voided, reason: "market_suspended", detail: "suspended at central"))
        #expect(voided.applied.tickets.first?.status == .voided && voided.applied.tickets.first?.amount == 300)
        _ = try await reopened.apply(.verdict(stale.bet.ticketID, .voided, reason: "stale_odds", detail: "central offered 3.0"))
        let paid = try await reopened.apply(.pay(stale.bet.ticketID, code: code, at: "cashier"))
        #expect(paid.applied.tickets.first?.amount == 200, "the stake back, not the win")
        let looked = try #require(try await reopened.ticket(loser.bet.ticketID))
        #expect(looked.status == .voided && looked.verdict == "voided" && looked.voidReason == "central: market_suspended: suspended at central")
        await #expect(throws: JournalError.refused(.noVerdictAwaited(loser.bet.ticketID))) {
            try await reopened.apply(.verdict(loser.bet.ticketID, .voided, reason: "market_suspended", detail: "again"))
        }
        await reopened.close()

        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
        _ = try JournalMaintenance.rebuild(directory: directory.path).get()
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }

    @Test("a refund paid before a reopen, then the verdict: replay, restore and the table agree, and staff's reason stays")
    func refundPaidBeforeReopen() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let bet = try await journal.place(Self.offline("m0-s0", odds: 2, key: "refund", stake: 200))
        _ = try await journal.apply(.void(bet.bet.ticketID, by: "staff-1", reason: "misprint", windowMillis: 60_000))
        _ = try await journal.apply(.pay(bet.bet.ticketID, code: try #require(bet.securityCode), at: "cashier"))
        await journal.close()

        let reopened = try await Fixtures.open(directory.path)
        _ = try await reopened.apply(.verdict(bet.bet.ticketID, .confirmed, reason: nil, detail: "every leg matches"))
        let looked = try #require(try await reopened.ticket(bet.bet.ticketID))
        #expect(looked.status == .paid && looked.amount == 200 && looked.verdict == "confirmed")
        await reopened.close()
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)

        let voidedByStaff = try await Fixtures.open(directory.path)
        let second = try await voidedByStaff.place(Self.offline("m0-s1", odds: 3, key: "second", stake: 100))
        _ = try await voidedByStaff.apply(.void(second.bet.ticketID, by: "staff-1", reason: "wrong runner", windowMillis: 60_000))
        _ = try await voidedByStaff.apply(.verdict(second.bet.ticketID, .confirmed, reason: nil, detail: "matches"))
        #expect(try await voidedByStaff.ticket(second.bet.ticketID)?.voidReason == "wrong runner")
        await voidedByStaff.close()
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }
}
