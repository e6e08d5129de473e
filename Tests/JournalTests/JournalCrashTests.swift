import Foundation
import Journal
import Testing
import Wagering

@Suite("Journal survives being killed mid-commit")
struct JournalCrashTests {
    @Test("every bet acknowledged before a SIGKILL is in the journal after reopening, and the chain verifies",
          arguments: [1, 16])
    func killDuringGroupCommits(submitters: Int) async throws {
        let directory = try TemporaryDirectory()
        let harness = try BuiltProducts.path(of: "JournalCrashHarness")
        var acknowledged: [String: (ticket: String, seq: Int64)] = [:]
        for round in 0..<4 {
            let child = try LineReadingChild(executable: harness, arguments: [directory.path, "round\(round)", "\(submitters)"])
            #expect(await child.nextLine() == "READY")
            // Kill at a different depth each round, always while submitters are mid-commit.
            let target = 150 + round * 97
            var seen = 0
            while seen < target, let line = await child.nextLine() {
                let fields = line.split(separator: " ")
                guard fields.count == 4, fields[0] == "ACK" else { Issue.record("unexpected harness output: \(line)"); break }
                acknowledged[String(fields[3])] = (String(fields[1]), Int64(fields[2])!)
                seen += 1
            }
            await child.kill()
            #expect(seen == target)
        }

        let verified = try JournalMaintenance.verify(directory: directory.path, full: true).get()
        #expect(verified.derivedStateChecked)
        let journal = try await Fixtures.open(directory.path)
        for (key, expected) in acknowledged {
            let ticket = try TicketID(parsing: expected.ticket)
            let view = try #require(try await journal.ticket(ticket), "acknowledged bet \(key) is missing")
            #expect(view.bet.idempotencyKey == key)
            #expect(view.placedSeq == expected.seq)
        }
        // One bet per key: the number of tickets equals the number of distinct keys journaled.
        let records = try await journal.records(after: 0, limit: 100_000)
        let placedKeys = records.filter { $0.kind == "bet.placed" }.count
        #expect(placedKeys >= acknowledged.count)
        #expect(records.last?.seq == verified.chain.headSeq)
        await journal.close()
    }
}
