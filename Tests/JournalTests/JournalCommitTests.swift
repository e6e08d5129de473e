import Foundation
import GRDB
import Journal
import Testing
import Wagering

@Suite("Journal commits")
struct JournalCommitTests {
    @Test("the writer connection really runs synchronous=FULL")
    func writerIsFullSynchronous() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        #expect(try await journal.writerSynchronousMode() == 2)
        await journal.close()
    }

    @Test("concurrent bets are all acknowledged, each with its own ticket, on one valid chain")
    func concurrentPlacementsShareCommits() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 4)
        let receipts = try await withThrowingTaskGroup(of: PlacementReceipt.self) { group in
            for index in 0..<256 {
                group.addTask {
                    try await journal.place(Fixtures.single("m\(index % 4)-s\(index % 3)", odds: Int64(index % 3 + 2), key: "k\(index)"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(receipts.count == 256)
        #expect(Set(receipts.map(\.bet.ticketID)).count == 256)
        #expect(Set(receipts.map(\.seq)).count == 256)
        #expect(receipts.allSatisfy { !$0.isReplay })
        #expect(try await journal.headSeq() == 4 + 256)
        await journal.close()
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true).get()
        #expect(verified.chain.headSeq == 260)
        #expect(verified.derivedStateChecked)
    }

    @Test("a command that cannot be queued is refused at once and never journaled")
    func boundedQueueRefusesImmediately() async throws {
        let directory = try TemporaryDirectory()
        // The writer waits 2 s per batch, so the queue (capacity 8) fills behind it: the 64 callers
        // reach it in milliseconds, a few hundred under a sanitizer beside CPU hogs. The test lasts
        // about two such waits (the board's batch, then the bets').
        let journal = try await Fixtures.open(directory.path, queueCapacity: 8, groupCommitDelay: .seconds(2))
        try await Fixtures.publishBoard(journal, markets: 1)
        let results = await withTaskGroup(of: Result<PlacementReceipt, JournalError>.self) { group in
            for index in 0..<64 {
                group.addTask {
                    do throws(JournalError) { return .success(try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "q\(index)"))) }
                    catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let accepted = results.compactMap { try? $0.get() }
        let refused = results.filter { if case .failure(.queueFull(capacity: 8)) = $0 { true } else { false } }
        #expect(accepted.count + refused.count == 64)
        #expect(!refused.isEmpty)
        #expect(accepted.count >= 8)
        #expect(try await journal.headSeq() == Int64(1 + accepted.count))
        await journal.close()
    }

    @Test("a refusal names its reason and journals nothing")
    func refusalJournalsNothing() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        await #expect(throws: JournalError.refused(.unknownSelection("nope"))) {
            try await journal.place(Fixtures.single("nope", odds: 2, key: "a"))
        }
        let error = await #expect(throws: JournalError.self) {
            try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 5, key: "b"))
        }
        guard case .refused(.limit(let breach)) = error else { Issue.record("expected a limit refusal, got \(String(describing: error))"); return }
        #expect(breach.limit == .minStakePerLine)
        #expect(breach.limitAmount.minorUnits == 10)
        #expect(breach.attempted.minorUnits == 5)
        #expect(try await journal.headSeq() == 1)
        await journal.close()
    }

    @Test("commands after close are refused; those queued before are committed")
    func closeDrainsThenRefuses() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let placed = try await journal.place(Fixtures.single("m0-s1", odds: 3, key: "before"))
        await journal.close()
        await #expect(throws: JournalError.closed) { try await journal.place(Fixtures.single("m0-s1", odds: 3, key: "after")) }
        let reopened = try await Fixtures.open(directory.path)
        #expect(try await reopened.ticket(placed.bet.ticketID)?.status == .open)
        await reopened.close()
    }

    @Test("the journal table refuses updates and deletes by itself")
    func journalTableIsAppendOnly() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        await journal.close()
        let database = try DatabaseQueue(path: directory.path + "/journal.sqlite")
        #expect(throws: DatabaseError.self) { try database.write { try $0.execute(sql: "DELETE FROM journal") } }
        #expect(throws: DatabaseError.self) { try database.write { try $0.execute(sql: "UPDATE journal SET kind = 'x'") } }
        try database.close()
    }
}
