import Foundation
import GRDB
import Journal
import SyncProtocol
import Testing
import Wagering

/// Damage a journal on disk the ways disks and people do, and check each is found, named by
/// record, and that the journal then refuses to open for writing.
@Suite("Journal corruption is detected")
struct JournalCorruptionTests {
    /// A closed journal (WAL checkpointed into the main file) with a board and ten bets: records 1-11.
    private func makeJournal() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        for index in 0..<10 {
            _ = try await journal.place(Fixtures.single("m0-s\(index % 3)", odds: Int64(index % 3 + 2), key: "unique-key-\(index)"))
        }
        await journal.close()
        return directory
    }

    private func openFailure(_ directory: TemporaryDirectory) async -> JournalOpenError? {
        do {
            let journal = try await Fixtures.open(directory.path)
            await journal.close()
            return nil
        } catch { return error as? JournalOpenError }
    }

    /// Runs raw SQL with the append-only triggers dropped, as someone editing the file would.
    private func tamper(_ directory: TemporaryDirectory, _ sql: String) throws {
        let database = try DatabaseQueue(path: directory.path + "/journal.sqlite")
        try database.write { db in
            try db.execute(sql: "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete")
            try db.execute(sql: sql)
        }
        try database.close()
    }

    @Test("a flipped byte inside a record's payload on disk is found at that record")
    func flippedByteInRecord() async throws {
        let directory = try await makeJournal()
        // The JSON key only exists in the record's payload, not in the derived tables.
        try flipLastByte(of: "\"idempotencyKey\":\"unique-key-7\"", in: directory)
        let failure = await openFailure(directory)
        #expect(failure == .verificationFailed(VerificationFailure(seq: 9, problem: .hashMismatch)))
        #expect(failure?.description.contains("record 9 was altered") == true)
    }

    @Test("a flipped byte in the derived tables is found by full verification and repaired by rebuild")
    func flippedByteInDerivedState() async throws {
        let directory = try await makeJournal()
        // The tickets row stores terminal id and key side by side, unquoted. Its key is what a
        // reopened writer indexes in memory, so a wrong one would let a retry place a second bet.
        try flipLastByte(of: "kiosk-1unique-key-7", in: directory)
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true)
        guard case .failure(.verificationFailed(let failure)) = verified, case .derivedStateMismatch(let detail) = failure.problem else {
            Issue.record("full verification should find the damaged tickets row, got \(verified)"); return
        }
        #expect(detail.contains("idempotency key"))
        _ = try JournalMaintenance.rebuild(directory: directory.path).get()
        #expect(try JournalMaintenance.verify(directory: directory.path, full: true).get().derivedStateChecked)
    }

    /// Flips the lowest bit of the last byte of the first occurrence of `needle` in the database file.
    private func flipLastByte(of needle: String, in directory: TemporaryDirectory) throws {
        let path = directory.path + "/journal.sqlite"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let pattern = Array(needle.utf8)
        guard let offset = firstOffset(of: pattern, in: bytes) else { throw ChildProcessError("'\(needle)' not found on disk") }
        bytes[offset + pattern.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("a deleted record is reported as missing by number")
    func deletedRecord() async throws {
        let directory = try await makeJournal()
        try tamper(directory, "DELETE FROM journal WHERE seq = 5")
        let failure = await openFailure(directory)
        #expect(failure == .verificationFailed(VerificationFailure(seq: 5, problem: .missing(nextPresent: 6))))
        guard case .failure(.verificationFailed(let found)) = try JournalMaintenance.verify(directory: directory.path, full: false) else {
            Issue.record("verify should fail"); return
        }
        #expect(found.description == "record 5 is missing (the next record present is 6)")
    }

    @Test("two swapped records break the chain at the first of them")
    func swappedRecords() async throws {
        let directory = try await makeJournal()
        try tamper(directory, """
            UPDATE journal SET payload = CASE seq WHEN 4 THEN (SELECT payload FROM journal WHERE seq = 5)
                                                  ELSE (SELECT payload FROM journal WHERE seq = 4) END
            WHERE seq IN (4, 5)
            """)
        let failure = await openFailure(directory)
        #expect(failure == .verificationFailed(VerificationFailure(seq: 4, problem: .hashMismatch)))
    }

    @Test("a record re-hashed after editing still breaks the chain at the next record")
    func rehashedRecord() async throws {
        let directory = try await makeJournal()
        // A forger who recomputes record 6's own hash cannot fix record 7's previous hash.
        let database = try DatabaseQueue(path: directory.path + "/journal.sqlite")
        try await database.write { db in
            try db.execute(sql: "DROP TRIGGER journal_no_update")
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM journal WHERE seq = 6") else {
                throw ChildProcessError("record 6 should exist")
            }
            let payload = Array((row["payload"] as Data)) + Array(" ".utf8)
            let hash = ChainHash.compute(previousHash: Array(row["prev_hash"] as Data), seq: 6, wallMillis: row["wall_ms"],
                                         monotonicNanos: row["mono_ns"], kind: row["kind"], payload: payload)
            try db.execute(sql: "UPDATE journal SET payload = ?, hash = ? WHERE seq = 6", arguments: [Data(payload), Data(hash)])
        }
        try database.close()
        guard case .failure(.verificationFailed(let found)) = try JournalMaintenance.verify(directory: directory.path, full: false) else {
            Issue.record("verify should fail"); return
        }
        #expect(found == VerificationFailure(seq: 7, problem: .previousHashMismatch))
    }

    @Test("the last record removed is caught by the head marker")
    func deletedTail() async throws {
        let directory = try await makeJournal()
        try tamper(directory, "DELETE FROM journal WHERE seq = 11")
        #expect(await openFailure(directory) == .lostCommittedRecords(markerSeq: 11, databaseSeq: 10))
    }

    @Test("a truncated WAL that loses committed transactions is detected, not silently accepted")
    func truncatedWAL() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path)
        try await Fixtures.publishBoard(journal, markets: 1)
        for index in 0..<40 {
            _ = try await journal.place(Fixtures.single("m0-s0", odds: 2, key: "wal-\(index)"))
        }
        // Take a crash image while the journal is open: the commits live only in the WAL.
        let image = try TemporaryDirectory()
        for name in ["journal.sqlite", "journal.sqlite-wal", "journal.head", "ticket.key"] {
            try FileManager.default.copyItem(atPath: directory.path + "/" + name, toPath: image.path + "/" + name)
        }
        await journal.close()
        let walPath = image.path + "/journal.sqlite-wal"
        let walSize = try #require(try FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int)
        #expect(walSize > 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: walPath))
        try handle.truncate(atOffset: UInt64(walSize / 2))
        try handle.close()

        let failure = await openFailure(image)
        guard case .lostCommittedRecords(let marker, let database)? = failure else {
            Issue.record("expected lost committed records, got \(String(describing: failure))"); return
        }
        #expect(marker == 41)
        #expect(database < 41)
        #expect(failure!.description.contains("lost committed records"))
    }

    private func firstOffset(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}
