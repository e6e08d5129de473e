import Foundation
import Journal
import Testing
import TestSupport
import Wagering

@Suite("Online backups and restore")
struct JournalBackupTests {
    /// A journal with a board and `bets` singles on it.
    func journalWithBets(_ directory: String, bets: Int) async throws -> BetJournal {
        let journal = try await Fixtures.open(directory)
        try await Fixtures.publishBoard(journal, markets: 2)
        for number in 0..<bets {
            _ = try await journal.place(Fixtures.single("m\(number % 2)-s1", odds: 3, key: "backup-\(number)"))
        }
        return journal
    }

    @Test("a backup taken while bets go on verifies, restores into an empty directory and opens with every ticket")
    func backupAndRestore() async throws {
        let live = try TemporaryDirectory()
        let stick = try TemporaryDirectory()
        let journal = try await journalWithBets(live.path, bets: 40)
        // Bets keep coming while the backup copies its snapshot.
        let more = Task { for number in 40..<80 { _ = try await journal.place(Fixtures.single("m0-s2", odds: 4, key: "backup-\(number)")) } }
        let fractions = Fractions()
        let report = try await journal.backup(into: stick.path, keep: 3, nowMillis: 1_795_870_800_000) { fractions.add($0) }
        try await more.value
        await journal.close()
        #expect(report.path.hasPrefix(stick.path + "/holdfast-HF01-20261128T130000Z") && report.path.hasSuffix("-seq\(report.headSeq)"))
        #expect(report.headSeq >= 42, "the board and at least the first 40 bets")
        #expect(fractions.last == 1.0, "progress reaches the end")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: report.path)) == ["journal.sqlite", "journal.head", "ticket.key"])

        let restored = try TemporaryDirectory()
        let verified = try JournalMaintenance.restore(from: report.path, into: restored.path + "/data")
        #expect(verified.chain.headSeq == report.headSeq && verified.derivedStateChecked)
        let reopened = try await Fixtures.open(restored.path + "/data")
        let first = try await reopened.place(Fixtures.single("m0-s1", odds: 3, key: "backup-0"))
        #expect(first.isReplay, "a bet from before the backup is there: its retry is answered, not placed again")
        #expect(try await reopened.headSeq() == report.headSeq, "a replay appends nothing")
        _ = try await reopened.place(Fixtures.single("m1-s1", odds: 3, key: "after-restore"))
        #expect(try await reopened.headSeq() == report.headSeq + 1, "the sequence continues from the backup")
        await reopened.close()
    }

    @Test("only the newest `keep` backups stay")
    func rotation() async throws {
        let live = try TemporaryDirectory()
        let stick = try TemporaryDirectory()
        let journal = try await journalWithBets(live.path, bets: 3)
        var reports: [BackupReport] = []
        for hour in 0..<4 {
            reports.append(try await journal.backup(into: stick.path, keep: 2, nowMillis: 1_795_870_800_000 + Int64(hour) * 3_600_000))
        }
        await journal.close()
        let left = try FileManager.default.contentsOfDirectory(atPath: stick.path).sorted()
        #expect(left == reports.suffix(2).map { ($0.path as NSString).lastPathComponent })
        #expect(reports[2].removed.count == 1 && reports[3].removed.count == 1)
    }

    @Test("the half-written copy a power cut left is removed by the next backup; another appliance's is not touched")
    func abandonedPartial() async throws {
        let live = try TemporaryDirectory()
        let stick = try TemporaryDirectory()
        let journal = try await journalWithBets(live.path, bets: 3)
        for name in ["holdfast-HF01-20261128T120000Z.partial", "holdfast-HF02-20261128T120000Z.partial"] {
            try FileManager.default.createDirectory(atPath: stick.path + "/" + name, withIntermediateDirectories: false)
            try Data("half a journal".utf8).write(to: URL(fileURLWithPath: stick.path + "/" + name + "/journal.sqlite"))
        }
        let report = try await journal.backup(into: stick.path, keep: 2, nowMillis: 1_795_870_800_000)
        await journal.close()
        #expect(report.removed == ["holdfast-HF01-20261128T120000Z.partial"])
        let left = try FileManager.default.contentsOfDirectory(atPath: stick.path).sorted()
        #expect(left == [(report.path as NSString).lastPathComponent, "holdfast-HF02-20261128T120000Z.partial"])
    }

    @Test("a damaged backup is refused by restore, and nothing is put in place")
    func damagedBackup() async throws {
        let live = try TemporaryDirectory()
        let stick = try TemporaryDirectory()
        let journal = try await journalWithBets(live.path, bets: 10)
        let report = try await journal.backup(into: stick.path, keep: 1, nowMillis: 1_795_870_800_000)
        await journal.close()
        let path = report.path + "/journal.sqlite"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array("\"idempotencyKey\":\"backup-7\"".utf8)
        let offset = try #require((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
        bytes[offset + needle.count - 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let target = try TemporaryDirectory()
        #expect(throws: JournalMaintenance.RestoreError.self) { try JournalMaintenance.restore(from: report.path, into: target.path + "/data") }
        #expect(!FileManager.default.fileExists(atPath: target.path + "/data/journal.sqlite"))
        #expect(throws: JournalMaintenance.RestoreError.self, "a data directory with a journal is never overwritten") {
            try JournalMaintenance.restore(from: report.path, into: live.path)
        }
    }
}

/// Progress fractions seen, from the backup's thread.
final class Fractions: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ value: Double) { lock.withLock { values.append(value) } }
    var last: Double? { lock.withLock { values.last } }
}
