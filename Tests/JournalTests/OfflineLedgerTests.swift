import Foundation
import Journal
import Testing
import Wagering

@Suite("Offline limits in the journal: counted in journal order, rebuilt on reopen, retired by central's acknowledgement")
struct OfflineLedgerTests {
    static let terms = OfflineTerms(maxStakePerBet: 1_000, maxLiability: 2_000, maxBets: 3)

    static func offline(_ key: String, stake: Int64) -> BetRequest {
        var request = Fixtures.single("m0-s0", odds: 2, stake: stake, key: key)
        request.offline = terms
        return request
    }

    @Test("concurrent offline bets never take more than the last place; the totals survive a reopen")
    func countedAtTheWriter() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path, groupCommitDelay: .milliseconds(5))
        try await Fixtures.publishBoard(journal, markets: 1)
        // Twenty at once, in few group-commit batches: the limit of 3 must hold within a batch too.
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask { (try? await journal.place(Self.offline("race-\(index)", stake: 100))) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 3)
        #expect(journal.offline.totals.bets == 3 && journal.offline.totals.liability == 300)
        let placed = try await journal.records(after: 0, limit: 100).filter { $0.kind == "bet.placed" }
        #expect(placed.allSatisfy { String(decoding: $0.payload, as: UTF8.self).contains(#""takenOffline":true"#) })
        await journal.close()

        let reopened = try await Fixtures.open(directory.path)
        #expect(reopened.offline.totals.bets == 3 && reopened.offline.totals.liability == 300, "rebuilt from the journal")
        await #expect(throws: JournalError.self) { try await reopened.place(Self.offline("one-more", stake: 100)) }

        reopened.offline.acknowledge(through: try await reopened.headSeq())
        #expect(reopened.offline.totals.bets == 0)
        _ = try await reopened.place(Self.offline("after-ack", stake: 100))
        await reopened.close()
        let again = try await Fixtures.open(directory.path)
        #expect(again.offline.totals.bets == 1, "the acknowledgement was written down: only the newer bet still counts")
        await again.close()
    }

    @Test("stake, liability and in-play are refused by name; online bets do not count")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 2)
        _ = try await journal.place(Fixtures.single("m0-s0", odds: 2, stake: 50_000, key: "online"))
        #expect(journal.offline.totals.bets == 0)

        await #expect(throws: JournalError.refused(.offline(OfflineBreach(limit: .maxStakePerBet, limitAmount: Money(minorUnits: 1_000, currency: .gbp),
                                                                          attempted: Money(minorUnits: 1_500, currency: .gbp),
                                                                          detail: "stake 15.00 GBP is over the offline limit of 10.00 GBP per bet")))) {
            try await journal.place(Self.offline("big", stake: 1_500))
        }
        _ = try await journal.place(Self.offline("a", stake: 1_000))
        do {
            _ = try await journal.place(Self.offline("b", stake: 1_000))
            _ = try await journal.place(Self.offline("c", stake: 100))
            Issue.record("the third bet takes liability to 2,100 of 2,000")
        } catch JournalError.refused(.offline(let breach)) {
            #expect(breach.limit == .maxLiability && breach.attempted?.minorUnits == 2_100)
        }
        try await journal.apply(.setStatus("m1", .open, inPlay: true))
        var inPlay = Fixtures.single("m1-s0", odds: 2, stake: 100, key: "in-play")
        inPlay.offline = Self.terms
        do {
            _ = try await journal.place(inPlay)
            Issue.record("an in-play bet was taken offline")
        } catch JournalError.refused(.offline(let breach)) {
            #expect(breach.limit == .inPlay)
        }
        await journal.close()
    }
}
