import Foundation
import GRDB
import Journal
import Testing
import Wagering

/// Full verification compares the tickets table with the records in constant memory: lost and
/// paid tickets when the replay reaches them, identities beside the records, unfinished tickets
/// at the end. Each damage below is found by name.
@Suite("Full verification of the tickets table")
struct TicketTableVerificationTests {
    /// Serials: two markets' records first (1, 2), then bets 3-6.
    private struct Journaled {
        var directory: TemporaryDirectory
        var lost: Int64, paid: Int64, won: Int64, open: Int64
    }

    private func journal() async throws -> Journaled {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 2)
        let paid = try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "paid"))
        let won = try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "won"))
        let lost = try await journal.place(Fixtures.single("m0-s1", odds: 3, key: "lost"))
        let open = try await journal.place(Fixtures.single("m1-s0", odds: 2, key: "open"))
        try await journal.apply(.result(MarketResult(marketID: "m0", outcomes: ["m0-s0": .win])))
        try await journal.apply(.pay(paid.bet.ticketID, code: try #require(paid.securityCode), at: "staff-1"))
        await journal.close()
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
        return Journaled(directory: directory, lost: Int64(lost.bet.ticketID.serial), paid: Int64(paid.bet.ticketID.serial),
                         won: Int64(won.bet.ticketID.serial), open: Int64(open.bet.ticketID.serial))
    }

    private func mismatch(after damage: (Journaled) -> String) async throws -> String? {
        let journaled = try await journal()
        let database = try DatabaseQueue(path: journaled.directory.path + "/journal.sqlite")
        let sql = damage(journaled)
        try await database.write { try $0.execute(sql: sql) }
        try database.close()
        guard case .failure(.verificationFailed(let failure)) = try JournalMaintenance.verify(directory: journaled.directory.path, full: true),
              case .derivedStateMismatch(let detail) = failure.problem
        else { return nil }
        return detail
    }

    @Test("a lost ticket shown open, a paid one with another amount, an open or won one shown lost, a won one's amount")
    func statuses() async throws {
        let lostShownOpen = try await mismatch { "UPDATE tickets SET status = 'open', amount = 0 WHERE serial = \($0.lost)" }
        #expect(lostShownOpen?.contains("should be lost 0") == true, "\(lostShownOpen ?? "not found")")
        let paidAmount = try await mismatch { "UPDATE tickets SET amount = amount + 1 WHERE serial = \($0.paid)" }
        #expect(paidAmount?.contains("should be paid") == true, "\(paidAmount ?? "not found")")
        // The book loaded from the table then lacks the open bet's exposure.
        let openShownLost = try await mismatch { "UPDATE tickets SET status = 'lost' WHERE serial = \($0.open)" }
        #expect(openShownLost?.contains("exposure differs") == true, "\(openShownLost ?? "not found")")
        let wonShownLost = try await mismatch { "UPDATE tickets SET status = 'lost', amount = 0 WHERE serial = \($0.won)" }
        #expect(wonShownLost?.contains("unfinished tickets") == true, "\(wonShownLost ?? "not found")")
        let wonAmount = try await mismatch { "UPDATE tickets SET amount = 1 WHERE serial = \($0.won)" }
        #expect(wonAmount?.contains("should be won") == true, "\(wonAmount ?? "not found")")
    }

    @Test("a missing row and a row with no record")
    func rows() async throws {
        let missing = try await mismatch { "DELETE FROM tickets WHERE serial = \($0.open)" }
        #expect(missing?.contains("has no row in the tickets table") == true, "\(missing ?? "not found")")
        let extra = try await mismatch {
            """
            INSERT INTO tickets (serial, ticket_id, terminal_id, idempotency_key, request_digest, status, total_stake, potential_return, amount, updated_seq)
            SELECT 1000, 'HF01-0000-00Z0', terminal_id, 'extra', request_digest, status, total_stake, potential_return, amount, updated_seq
            FROM tickets WHERE serial = \($0.open)
            """
        }
        #expect(extra?.contains("has a row but no bet.placed record") == true, "\(extra ?? "not found")")
    }
}
