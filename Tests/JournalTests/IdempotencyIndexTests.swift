import Foundation
import GRDB
import Journal
import Testing
import Wagering

/// The idempotency index holds its newest keys in memory and writes them in sorted runs. Wherever
/// a key is (in memory, in a written run, in the tickets rows a reopen reads back), a retry must
/// find its ticket, and a damaged index must be found and rebuilt.
@Suite("Idempotency index written in sorted runs, and the schema versions around it")
struct IdempotencyIndexTests {
    private let runLength = 3

    /// A board and seven bets, keys k0 to k6, one commit each. With runs of 3, written two keys
    /// per commit of one record: k0-k2 and k3-k5 are written runs (the second started at record
    /// 7, k5's), and k6 is only in memory.
    private func placeSeven(_ journal: BetJournal) async throws -> [PlacementReceipt] {
        try await Fixtures.publishBoard(journal, markets: 1)
        var receipts: [PlacementReceipt] = []
        for index in 0..<7 {
            receipts.append(try await journal.place(Fixtures.single("m0-s\(index % 3)", odds: Int64(index % 3 + 2), key: "k\(index)")))
        }
        return receipts
    }

    /// ``placeSeven(_:)`` on a new journal with runs of `runLength`, closed.
    private func closedWithSevenBets(runLength: Int) async throws -> (TemporaryDirectory, [PlacementReceipt]) {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
        let placed = try await placeSeven(journal)
        await journal.close()
        return (directory, placed)
    }

    private func retry(_ journal: BetJournal, _ index: Int) async throws -> PlacementReceipt {
        try await journal.place(Fixtures.single("m0-s\(index % 3)", odds: Int64(index % 3 + 2), key: "k\(index)"))
    }

    /// Reopens the journal and retries each bet in `indices`: each must answer its original ticket.
    private func expectRetriesAnswered(_ indices: [Int], of placed: [PlacementReceipt], reopening directory: TemporaryDirectory,
                                       runLength: Int) async throws {
        let journal = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
        for index in indices {
            let again = try await retry(journal, index)
            #expect(again.isReplay && again.bet.ticketID == placed[index].bet.ticketID, "retry of k\(index)")
        }
        await journal.close()
    }

    /// What full verification finds wrong with the derived tables; nil if it finds nothing there.
    private func derivedStateMismatch(_ directory: TemporaryDirectory) throws -> String? {
        guard case .failure(.verificationFailed(let failure)) = try JournalMaintenance.verify(directory: directory.path, full: true),
              case .derivedStateMismatch(let detail) = failure.problem
        else { return nil }
        return detail
    }

    private func indexedKeys(_ directory: TemporaryDirectory) throws -> (keys: [String], through: Int64) {
        let database = try DatabaseQueue(path: directory.path + "/journal.sqlite")
        defer { try? database.close() }
        return try database.read { db in
            (try String.fetchAll(db, sql: "SELECT idempotency_key FROM idempotency ORDER BY idempotency_key"),
             try Int64.fetchOne(db, sql: "SELECT through_serial FROM idempotency_indexed") ?? -1)
        }
    }

    @Test("a retry finds its ticket in a written run, in memory, and after a reopen reads the unwritten keys back")
    func retriesFindEveryKey() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
        let placed = try await placeSeven(journal)
        for index in [1, 4, 6] {
            let again = try await retry(journal, index)
            #expect(again.isReplay && again.bet.ticketID == placed[index].bet.ticketID && again.securityCode == placed[index].securityCode)
        }
        await #expect(throws: JournalError.idempotencyConflict(terminal: "kiosk-1", key: "k4", existingTicket: placed[4].bet.ticketID)) {
            try await journal.place(Fixtures.single("m0-s1", odds: 3, stake: 900, key: "k4"))
        }
        #expect(try await journal.headSeq() == 8, "a board and seven bets; retries and conflicts journal nothing")
        await journal.close()
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3", "k4", "k5"], 7))

        let reopened = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
        let afterReopen = try await retry(reopened, 6)
        #expect(afterReopen.isReplay && afterReopen.bet.ticketID == placed[6].bet.ticketID)
        await reopened.close()
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }

    @Test("one key twice in one batch is one bet, and the second answer is its replay")
    func sameKeyInOneBatch() async throws {
        let directory = try TemporaryDirectory()
        // A run per batch, and a commit delay that gathers both placements into one batch. Were
        // the second to miss it, it would pass as a replay from the next batch and prove less:
        // 1 s is far beyond the moment between two tasks started together, even on a busy machine.
        let journal = try await Fixtures.open(directory.path, groupCommitDelay: .seconds(1), idempotencyRunLength: 1)
        try await Fixtures.publishBoard(journal, markets: 1)
        async let first = journal.place(Fixtures.single("m0-s0", odds: 2, key: "twice"))
        async let second = journal.place(Fixtures.single("m0-s0", odds: 2, key: "twice"))
        let answers = try await [first, second]
        #expect(answers.filter(\.isReplay).count == 1)
        #expect(answers[0].bet.ticketID == answers[1].bet.ticketID)
        #expect(try await journal.headSeq() == 2)
        await journal.close()
        #expect(try indexedKeys(directory).keys == ["twice"])
    }

    @Test("a run a reopen interrupted is finished from the records")
    func interruptedRun() async throws {
        // Runs of 6: k0-k5 make one, started at k5's record; k5's and k6's commits write four keys.
        let (directory, placed) = try await closedWithSevenBets(runLength: 6)
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3"], 0))

        // Reopened with runs of 3: k4-k6 are read back, and with k7 they make the next run.
        let reopened = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
        let seventh = try await reopened.place(Fixtures.single("m0-s0", odds: 2, key: "k7"))
        _ = try await reopened.place(Fixtures.single("m0-s0", odds: 2, key: "k8"))
        for index in [4, 6] {
            let again = try await retry(reopened, index)
            #expect(again.isReplay && again.bet.ticketID == placed[index].bet.ticketID)
        }
        await reopened.close()
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"], seventh.seq))
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }

    @Test("a key missing from the index is found by full verification and put back by rebuild")
    func damagedIndexIsRebuilt() async throws {
        let (directory, placed) = try await closedWithSevenBets(runLength: runLength)
        try await execute("DELETE FROM idempotency WHERE idempotency_key = 'k1'", in: directory)

        let detail = try #require(try derivedStateMismatch(directory), "full verification should find the missing key")
        #expect(detail == "the idempotency table lacks the keys of 1 of the 6 tickets up to serial 7")
        _ = try JournalMaintenance.rebuild(directory: directory.path).get()
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3", "k4", "k5", "k6"], 8))
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)

        try await expectRetriesAnswered([1], of: placed, reopening: directory, runLength: runLength)
    }

    @Test("a damaged key in a ticket row does not hide the ticket from a retry")
    func damagedTicketRowAfterTheMark() async throws {
        let (directory, placed) = try await closedWithSevenBets(runLength: runLength)
        // k6 is only in memory when the journal closes; its row's key is what a disk could damage.
        try await execute("UPDATE tickets SET idempotency_key = 'k6-damaged' WHERE idempotency_key = 'k6'", in: directory)

        let reopened = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
        let again = try await retry(reopened, 6)
        #expect(again.isReplay && again.bet.ticketID == placed[6].bet.ticketID, "the key is read back from the record, not the row")
        await reopened.close()
        let detail = try #require(try derivedStateMismatch(directory), "full verification should find the damaged row")
        #expect(detail.contains("names another terminal or idempotency key"))
    }

    @Test("a key the table gives to another ticket stops the journal from opening until rebuilt")
    func keyClaimedTwice() async throws {
        // Runs of 6: the run k0-k5 is half written (k0-k3) when the journal closes, mark 0.
        let (directory, placed) = try await closedWithSevenBets(runLength: 6)
        try await execute("UPDATE idempotency SET serial = 99 WHERE idempotency_key = 'k1'", in: directory)

        do {
            let opened = try await Fixtures.open(directory.path, idempotencyRunLength: 6)
            await opened.close()
            Issue.record("a journal whose index gives k1 to two tickets opened")
        } catch let error as JournalOpenError {
            #expect(error.description.contains("idempotency key 'k1' of terminal kiosk-1 is claimed by two tickets, serials 99 and 3"))
        }
        _ = try JournalMaintenance.rebuild(directory: directory.path).get()
        try await expectRetriesAnswered([1], of: placed, reopening: directory, runLength: 6)
    }

    @Test("a journal made by the first schema is migrated with every key when opened")
    func openMigratesTheFirstSchema() async throws {
        let directory = try TemporaryDirectory()
        let placed = try await firstSchemaJournal(directory)
        try await expectRetriesAnswered([0, 6], of: placed, reopening: directory, runLength: runLength)
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3", "k4", "k5", "k6"], 8))
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }

    @Test("full verification of the first schema says to migrate it, and rebuild migrates it")
    func maintenanceOnTheFirstSchema() async throws {
        let directory = try TemporaryDirectory()
        _ = try await firstSchemaJournal(directory)
        #expect(try JournalMaintenance.verify(directory: directory.path, full: false).get().chain.headSeq == 8)
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true)
        guard case .failure(.cannotOpen(_, let reason)) = verified else {
            Issue.record("full verification should refuse an older schema, got \(verified)"); return
        }
        #expect(reason.contains("older than this build"))
        #expect(try JournalMaintenance.rebuild(directory: directory.path).get() == 8)
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3", "k4", "k5", "k6"], 8))
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }

    @Test("a journal a newer build migrated is refused by open, full verification and rebuild, and left as it was")
    func newerSchemaIsRefused() async throws {
        let (directory, _) = try await closedWithSevenBets(runLength: runLength)
        try await execute("INSERT INTO grdb_migrations (identifier) VALUES ('v9: from a later release')", in: directory)
        let expected = "a newer holdfast migrated it (v9: from a later release)"
        do {
            let opened = try await Fixtures.open(directory.path, idempotencyRunLength: runLength)
            await opened.close()
            Issue.record("a journal migrated by a newer build opened")
        } catch let error as JournalOpenError {
            #expect(error.description.contains(expected))
        }
        for result in [try JournalMaintenance.verify(directory: directory.path, full: true).map { _ in 0 },
                       try JournalMaintenance.rebuild(directory: directory.path)] {
            guard case .failure(.cannotOpen(_, let reason)) = result else { Issue.record("expected a refusal, got \(result)"); continue }
            #expect(reason.contains(expected))
        }
        #expect(try indexedKeys(directory) == (["k0", "k1", "k2", "k3", "k4", "k5"], 7), "rebuild changed nothing")
    }

    /// A closed journal of a board and seven bets, its schema put back as the first migration
    /// left it: the key unique on the tickets table, and the markets' liability columns.
    private func firstSchemaJournal(_ directory: TemporaryDirectory) async throws -> [PlacementReceipt] {
        let journal = try await Fixtures.open(directory.path)
        let placed = try await placeSeven(journal)
        await journal.close()
        try await execute("""
            DROP TABLE idempotency;
            DROP TABLE idempotency_indexed;
            CREATE TABLE tickets_v1 (
                serial INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, terminal_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
                request_digest TEXT NOT NULL, status TEXT NOT NULL, total_stake INTEGER NOT NULL,
                potential_return INTEGER NOT NULL, amount INTEGER NOT NULL, updated_seq INTEGER NOT NULL,
                UNIQUE (terminal_id, idempotency_key));
            INSERT INTO tickets_v1 SELECT serial, ticket_id, terminal_id, idempotency_key, request_digest, status, total_stake,
                                          potential_return, amount, updated_seq FROM tickets;
            DROP TABLE tickets;
            ALTER TABLE tickets_v1 RENAME TO tickets;
            CREATE INDEX tickets_unfinished ON tickets (status) WHERE status IN ('open', 'won', 'voided');
            ALTER TABLE markets ADD COLUMN single_stake INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE markets ADD COLUMN liability INTEGER NOT NULL DEFAULT 0;
            DELETE FROM grdb_migrations WHERE identifier NOT LIKE 'v1:%';
            """, in: directory)
        return placed
    }

    private func execute(_ sql: String, in directory: TemporaryDirectory) async throws {
        let database = try DatabaseQueue(path: directory.path + "/journal.sqlite")
        try await database.write { try $0.execute(sql: sql) }
        try database.close()
    }
}
