import Foundation
import GRDB
import Journal
import Testing
import Wagering

@Suite("Journal lifecycle: idempotency, settlement, reopen, rebuild")
struct JournalLifecycleTests {
    @Test("retrying with the same key returns the original ticket and code; a different slip is a conflict")
    func idempotentRetry() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let first = try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "retry-me"))
        let retry = try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "retry-me"))
        #expect(retry.isReplay)
        #expect(retry.bet == first.bet)
        #expect(retry.securityCode == first.securityCode)
        #expect(retry.seq == first.seq)
        await #expect(throws: JournalError.idempotencyConflict(terminal: "kiosk-1", key: "retry-me", existingTicket: first.bet.ticketID)) {
            try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 900, key: "retry-me"))
        }
        // The same key from another terminal is another bet.
        let other = try await journal.place(Fixtures.single("m0-s0", odds: 2, terminal: "kiosk-2", key: "retry-me"))
        #expect(!other.isReplay && other.bet.ticketID != first.bet.ticketID)
        #expect(try await journal.headSeq() == 3)
        await journal.close()

        // After a restart the key still maps to the original bet.
        let reopened = try await Fixtures.open(directory.path)
        let afterRestart = try await reopened.place(Fixtures.single("m0-s0", odds: 2, key: "retry-me"))
        #expect(afterRestart.isReplay && afterRestart.bet.ticketID == first.bet.ticketID)
        #expect(afterRestart.securityCode == first.securityCode)
        await reopened.close()
    }

    @Test("after the ticket key is replaced, a retry comes without a code, and the printed code still pays")
    func ticketKeyReplaced() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let first = try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "before-restore"))
        let printed = try #require(first.securityCode)
        await journal.close()
        // A restore without the key file: opening makes a new one.
        try FileManager.default.removeItem(atPath: directory.path + "/ticket.key")

        let reopened = try await Fixtures.open(directory.path, seed: 99)
        let retry = try await reopened.place(Fixtures.single("m0-s0", odds: 2, key: "before-restore"))
        #expect(retry.isReplay && retry.bet.ticketID == first.bet.ticketID)
        #expect(retry.securityCode == nil, "a code derived from the new key would not match the ticket")
        let later = try await reopened.place(Fixtures.single("m0-s1", odds: 3, key: "after-restore"))
        #expect(later.securityCode != nil)
        try await reopened.apply(.result(MarketResult(marketID: "m0", outcomes: ["m0-s0": .win])))
        let paid = try await reopened.apply(.pay(first.bet.ticketID, code: printed, at: "staff-1"))
        guard case .ticketPaid = paid.applied.event else { Issue.record("the printed code did not pay"); return }
        await reopened.close()
    }

    @Test("a winner is paid exactly once, with its code, across a restart")
    func settleAndPayOnce() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let winner = try await journal.place(Fixtures.single("m0-s1", odds: 3, stake: 1_000, key: "w"))
        let loser = try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 1_000, key: "l"))
        let (winnerCode, loserCode) = (try #require(winner.securityCode), try #require(loser.securityCode))
        try await journal.apply(.result(MarketResult(marketID: "m0", outcomes: ["m0-s1": .win])))
        #expect(try await journal.ticket(winner.bet.ticketID)?.status == .won)
        #expect(try await journal.ticket(winner.bet.ticketID)?.amount == 3_000)
        #expect(try await journal.ticket(loser.bet.ticketID)?.status == .lost)
        await journal.close()

        let reopened = try await Fixtures.open(directory.path)
        let wrongCode = try SecurityCode(parsing: "0000-0000-0000")
        await #expect(throws: JournalError.refused(.securityCodeMismatch(winner.bet.ticketID))) {
            try await reopened.apply(.pay(winner.bet.ticketID, code: wrongCode, at: "staff-1"))
        }
        let paid = try await reopened.apply(.pay(winner.bet.ticketID, code: winnerCode, at: "staff-1"))
        guard case .ticketPaid(let payment) = paid.applied.event else { Issue.record("expected a payment"); return }
        #expect(payment.amount.minorUnits == 3_000)
        await #expect(throws: JournalError.refused(.ticketNotPayable(winner.bet.ticketID, .paid))) {
            try await reopened.apply(.pay(winner.bet.ticketID, code: winnerCode, at: "staff-2"))
        }
        await #expect(throws: JournalError.refused(.ticketNotPayable(loser.bet.ticketID, .lost))) {
            try await reopened.apply(.pay(loser.bet.ticketID, code: loserCode, at: "staff-1"))
        }
        await reopened.close()
    }

    @Test("two terminals paying one ticket at once: exactly one succeeds")
    func concurrentPayoutExactlyOnce() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        let bet = try await journal.place(Fixtures.single("m0-s2", odds: 4, key: "p"))
        let code = try #require(bet.securityCode)
        try await journal.apply(.result(MarketResult(marketID: "m0", outcomes: ["m0-s2": .win])))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for terminal in 0..<8 {
                group.addTask {
                    (try? await journal.apply(.pay(bet.bet.ticketID, code: code, at: TerminalID(rawValue: "staff-\(terminal)")))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        await journal.close()
    }

    @Test("the book after reopening equals the book before closing")
    func reopenRestoresBook() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 3)
        for index in 0..<30 {
            _ = try await journal.place(Fixtures.single("m\(index % 3)-s\(index % 3)", odds: Int64(index % 3 + 2), key: "r\(index)"))
        }
        try await journal.apply(.changePrice("m1-s0", try Odds.parse("5/2")))
        try await journal.apply(.result(MarketResult(marketID: "m2", outcomes: ["m2-s2": .deadHeat(numerator: 1, denominator: 2)])))
        let before = try await journal.book()
        await journal.close()
        let reopened = try await Fixtures.open(directory.path)
        let after = try await reopened.book()
        #expect(after.board == before.board)
        #expect(after.exposure == before.exposure)
        #expect(after.tickets.mapValues(\.status) == before.tickets.mapValues(\.status))
        #expect(after.tickets.mapValues(\.amountOwed) == before.tickets.mapValues(\.amountOwed))
        await reopened.close()
    }

    @Test("derived tables are rebuilt from the records alone")
    func rebuildFromRecords() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 2)
        var receipts: [PlacementReceipt] = []
        for index in 0..<20 {
            receipts.append(try await journal.place(Fixtures.single("m\(index % 2)-s1", odds: 3, key: "b\(index)")))
        }
        try await journal.apply(.result(MarketResult(marketID: "m0", outcomes: ["m0-s1": .win])))
        try await journal.apply(.pay(receipts[0].bet.ticketID, code: try #require(receipts[0].securityCode), at: "staff-1"))
        try await journal.apply(.void(receipts[1].bet.ticketID, by: "staff-1", reason: "customer changed mind", windowMillis: 60_000))
        let before = try await journal.book()
        await journal.close()

        // Wreck the derived tables: a bet's status, an exposure row, a market.
        let database = try DatabaseQueue(path: directory.path + "/journal.sqlite")
        let wrecked = receipts[4].bet.ticketID.description
        try await database.write { db in
            try db.execute(sql: "UPDATE tickets SET status = 'paid' WHERE ticket_id = ?", arguments: [wrecked])
            try db.execute(sql: "DELETE FROM exposure")
            try db.execute(sql: "DELETE FROM markets WHERE market_id = 'm1'")
        }
        try database.close()
        guard case .failure(.verificationFailed(let failure)) = try JournalMaintenance.verify(directory: directory.path, full: true),
              case .derivedStateMismatch = failure.problem
        else { Issue.record("full verification should find the wrecked tables"); return }

        let replayed = try JournalMaintenance.rebuild(directory: directory.path).get()
        #expect(replayed == 2 + 20 + 3)
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
        let reopened = try await Fixtures.open(directory.path)
        let after = try await reopened.book()
        #expect(after.board == before.board)
        #expect(after.exposure == before.exposure)
        #expect(try await reopened.ticket(receipts[4].bet.ticketID)?.status == .won)
        #expect(try await reopened.ticket(receipts[1].bet.ticketID)?.status == .voided)
        await reopened.close()
    }

    @Test("a journal refuses to open with another appliance code or currency")
    func configurationMismatch() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        await journal.close()
        var configuration = Fixtures.configuration(directory.path)
        configuration.currency = .eur
        var random = SplitMix64(seed: 3)
        await #expect(throws: JournalOpenError.configurationMismatch(key: "currency", journal: "GBP", configured: "EUR")) {
            _ = try await BetJournal.open(configuration, clock: ManualClock(), random: &random, logger: Fixtures.logger)
        }
    }
}
