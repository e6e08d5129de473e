import Foundation
import Journal
import Testing
import Wagering

/// The journal held at its size (SQLite's own "database or disk is full", as a full disk gives):
/// every bet is refused and counted as a write failure, nothing refused is on disk, and the
/// first batch after the cap is lifted commits and ends the failure.
@Suite("Journal write failures: a full database")
struct JournalWriteFailureTests {
    @Test("bets are refused while the journal cannot grow, the failure is reported, and it ends with the next commit")
    func fullDatabase() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let journal = try await Fixtures.open(directory.path, clock: clock)
        try await Fixtures.publishBoard(journal, markets: 2)
        #expect(journal.writeFailure == nil)

        _ = try await journal.capGrowth()
        var acknowledged: [TicketID] = []
        var refusal: JournalError?
        for index in 0..<10_000 where refusal == nil {
            do { acknowledged.append(try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 100, key: "fill-\(index)")).bet.ticketID) }
            catch { refusal = error }
        }
        guard case .storage(let reason)? = refusal else {
            Issue.record("the capped journal never refused a bet: \(String(describing: refusal))")
            return
        }
        #expect(reason.contains("full"), "\(reason)")
        let failure = try #require(journal.writeFailure)
        #expect(failure.reason == reason && failure.sinceWallMillis == clock.wallMillis() && failure.failedBatches == 1)
        await #expect(throws: JournalError.self) { try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 100, key: "still-full")) }
        #expect(journal.writeFailure?.failedBatches == 2)
        // A retry of an acknowledged bet is answered without writing, so its batch commits even
        // on the full disk; that says nothing about the disk and does not end the failure.
        #expect(try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 100, key: "fill-0")).isReplay)
        #expect(journal.writeFailure?.failedBatches == 2, "a batch that wrote nothing left the failure as it was")

        #expect(try await journal.liftGrowthCap())
        #expect(try await !journal.liftGrowthCap(), "a second lift finds no cap")
        let after = try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 100, key: "after"))
        #expect(journal.writeFailure == nil)
        acknowledged.append(after.bet.ticketID)
        for ticket in acknowledged {
            #expect(try await journal.ticket(ticket) != nil, "acknowledged ticket \(ticket) is missing")
        }
        #expect(try await journal.headSeq() == Int64(2 + acknowledged.count), "two markets, then only the acknowledged bets")
        await journal.close()
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true).get()
        #expect(verified.chain.headSeq == Int64(2 + acknowledged.count))
    }

    @Test("with 32 callers at once, refused batches leave nothing in the book or the tables, and acknowledged bets stay")
    func fullDatabaseUnderConcurrentLoad() async throws {
        let directory = try TemporaryDirectory()
        // Short idempotency runs, so rolled-back batches include runs the writer must forget.
        let journal = try await Fixtures.open(directory.path, clock: ManualClock(), idempotencyRunLength: 7)
        try await Fixtures.publishBoard(journal, markets: 2)
        _ = try await journal.capGrowth()
        // 32 callers keep the queue full, so whole batches are refused and rolled back at once.
        let acknowledged = try await withThrowingTaskGroup(of: [TicketID].self) { group in
            for caller in 0..<32 {
                group.addTask {
                    var placed: [TicketID] = []
                    for index in 0..<2_000 {
                        do {
                            placed.append(try await journal.place(Fixtures.single("m\(index % 2)-s0", odds: 2, stake: 100,
                                                                                 key: "c\(caller)-\(index)")).bet.ticketID)
                        } catch JournalError.storage { break }
                    }
                    return placed
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(journal.writeFailure != nil)
        #expect(try await journal.liftGrowthCap())
        let after = try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 100, key: "after"))
        let all = acknowledged + [after.bet.ticketID]
        for ticket in all {
            #expect(try await journal.ticket(ticket) != nil, "acknowledged ticket \(ticket) is missing")
        }
        #expect(try await journal.headSeq() == Int64(2 + all.count), "two markets, then only the acknowledged bets")
        #expect(try await journal.book().openTicketCount == all.count)
        await journal.close()
        // A full verification replays every record and compares the derived tables: a book or
        // table left holding a rolled-back bet would show here.
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true).get()
        #expect(verified.chain.headSeq == Int64(2 + all.count) && verified.derivedStateChecked)
    }

    @Test("limits set through the journal (central's) stay in force after a failed batch reloads the book")
    func limitsSurviveAFailedBatch() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path, clock: ManualClock())
        try await Fixtures.publishBoard(journal, markets: 1)
        var central = Fixtures.limits
        central.maxStakePerBet = 500
        _ = try await journal.apply(.setLimits(central))

        _ = try await journal.capGrowth()
        var failed = false
        for index in 0..<10_000 where !failed {
            do { _ = try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 100, key: "fill-\(index)")) }
            catch JournalError.storage { failed = true }
        }
        #expect(failed, "the capped journal refused a batch")
        #expect(try await journal.liftGrowthCap())

        #expect(try await journal.book().limits == central, "the reload kept central's limits, not the file's")
        await #expect(throws: JournalError.self, "a stake over central's 5.00 is refused") {
            try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 600, key: "over"))
        }
        await journal.close()
    }
}
