import Foundation
import GRDB
@testable import Journal
import Testing
import Wagering

/// In-play bets in the journal: journaled pending, kept across a reopen, decided by one record,
/// answered to a retry as they stand (docs/adr/0014-in-play-delay.md).
@Suite("In-play bets in the journal: pending, reopened, decided")
struct InPlayJournalTests {
    private static func inPlayBoard(_ journal: BetJournal) async throws {
        try await Fixtures.publishBoard(journal, markets: 2)
        try await journal.apply(.setStatus("m1", .open, inPlay: true))
    }

    @Test("a pending bet survives a reopen with its reservation, is decided once, and the derived tables verify in full")
    func pendingAcrossAReopen() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Self.inPlayBoard(journal)
        let accepted = try await journal.place(Fixtures.single("m1-s0", odds: 2, stake: 500, key: "accepted"))
        let declined = try await journal.place(Fixtures.single("m1-s1", odds: 3, stake: 700, key: "declined"))
        #expect(accepted.status == .pending && accepted.bet.inPlayDelay?.seconds == 5)
        let payload = try await journal.records(after: accepted.seq - 1, limit: 1).first?.payload ?? []
        #expect(String(decoding: payload, as: UTF8.self).contains(#""inPlayDelay":{"seconds":5"#))
        await journal.close()

        let reopened = try await Fixtures.open(directory.path)
        let book = try await reopened.book()
        #expect(Set(book.pendingBets.keys) == [accepted.bet.ticketID, declined.bet.ticketID])
        #expect(book.exposure.selectionLiability("m1-s0") == 500)
        let retried = try await reopened.place(Fixtures.single("m1-s0", odds: 2, stake: 500, key: "accepted"))
        #expect(retried.isReplay && retried.status == .pending)

        _ = try await reopened.apply(.decideDelayed(accepted.bet.ticketID, giveUp: nil))
        try await reopened.apply(.changePrice("m1-s1", try Odds(decimalNumerator: 4, denominator: 1)))
        _ = try await reopened.apply(.decideDelayed(declined.bet.ticketID, giveUp: nil))
        await #expect(throws: JournalError.refused(.notPending(declined.bet.ticketID, .declined))) {
            try await reopened.apply(.decideDelayed(declined.bet.ticketID, giveUp: nil))
        }
        let record = try #require(try await reopened.ticket(declined.bet.ticketID))
        #expect(record.status == .declined && record.declined?.declined == .priceChanged)
        #expect(try await reopened.ticket(accepted.bet.ticketID)?.status == .open)
        let answered = try await reopened.place(Fixtures.single("m1-s1", odds: 3, stake: 700, key: "declined"))
        #expect(answered.isReplay && answered.status == .declined)
        await reopened.close()

        guard case .success(let verified) = try JournalMaintenance.verify(directory: directory.path, full: true) else {
            Issue.record("the journal did not verify in full")
            return
        }
        #expect(verified.derivedStateChecked)
        let again = try await Fixtures.open(directory.path)
        let final = try await again.book()
        #expect(final.pendingBets.isEmpty && final.ticket(accepted.bet.ticketID)?.status == .open)
        #expect(final.exposure.selectionLiability("m1-s1") == 0)
        await again.close()
    }

    @Test("a journal from before change counts: the v5 migration writes them into the markets table, so it verifies in full and replays")
    func legacyMarketsTable() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 2)
        try await journal.apply(.setStatus("m0", .suspended, inPlay: nil))
        try await journal.apply(.publish(Fixtures.market(0)))
        try await journal.apply(.setStatus("m1", .open, inPlay: true))
        await journal.close()

        // As a v4 journal left its markets table: bodies with no change count, v5 not applied.
        let database = directory.path + "/journal.sqlite"
        let queue = try DatabaseQueue(path: database)
        try await queue.write { db in
            for row in try Row.fetchAll(db, sql: "SELECT market_id, body FROM markets") {
                var body = try JSONSerialization.jsonObject(with: Data((row["body"] as String).utf8)) as! [String: Any]
                body["changeCount"] = nil
                try db.execute(sql: "UPDATE markets SET body = ? WHERE market_id = ?",
                               arguments: [String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self),
                                           row["market_id"] as String])
            }
            try db.execute(sql: "DROP INDEX tickets_in_delay; DELETE FROM grdb_migrations WHERE identifier LIKE 'v5:%' OR identifier LIKE 'v6:%'")
        }
        try queue.close()

        let migrated = try await Fixtures.open(directory.path)
        let board = try await migrated.book().board
        #expect(board.market("m0")?.changeCount == 1 && board.market("m1")?.changeCount == 1)
        await migrated.close()
        guard case .success(let verified) = try JournalMaintenance.verify(directory: directory.path, full: true) else {
            Issue.record("the migrated journal did not verify in full")
            return
        }
        #expect(verified.derivedStateChecked)
    }
}
