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
}
