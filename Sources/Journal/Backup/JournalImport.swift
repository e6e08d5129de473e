import Foundation
import GRDB
import Logging
import Randomness
public import SyncProtocol

extension JournalMaintenance {
    /// Builds an appliance's journal from another copy of its records (central's, the offsite
    /// backup) into an empty data directory: the records are checked link by link as they arrive,
    /// stored unchanged, the derived state is rebuilt from them and the whole is verified. The
    /// journal then continues from the last record, so central sees the same chain go on.
    ///
    /// `nextPage(after:)` answers the records after a seq, in order; an empty page ends the import.
    /// The ticket key is not in the records: without `ticketKeyFile` a new one is made. Codes
    /// printed before the restore still pay (the records keep their digests), but cannot be derived
    /// again for a retried placement (docs/disaster-recovery.md).
    public static func importRecords(into configuration: JournalConfiguration, ticketKeyFile: String?,
                                     progress: @Sendable (Int64) -> Void = { _ in },
                                     nextPage: (Int64) async throws -> [JournalRecord]) async throws -> Verified {
        let directory = configuration.directory
        if FileManager.default.fileExists(atPath: JournalFiles.database.in(directory)) { throw RestoreError.destinationInUse(directory) }
        var random = SystemRandom()
        var logger = Logger(label: "holdfast.restore")
        logger.logLevel = .warning
        // Opening once lays out the schema, the meta table and a ticket key, as for a new appliance.
        await (try await BetJournal.open(configuration, clock: SystemClock(), random: &random, logger: logger)).close()
        if let ticketKeyFile {
            try FileManager.default.removeItem(atPath: configuration.ticketKeyPath)
            try FileManager.default.copyItem(atPath: ticketKeyFile, toPath: configuration.ticketKeyPath)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.ticketKeyPath)
        }
        let pool = try DatabasePool(path: configuration.databasePath, configuration: BetJournal.databaseConfiguration())
        var walker = ChainWalker()
        do {
            try BetJournal.requireFullSynchronous(pool)
            while true {
                let page = try await nextPage(walker.nextSeq - 1)
                if page.isEmpty { break }
                for record in page {
                    if let broken = walker.step(record) { throw RestoreError.backupInvalid("central's copy is broken: \(broken)") }
                }
                try await pool.write { db in
                    for record in page {
                        try db.execute(sql: """
                            INSERT INTO journal (seq, wall_ms, mono_ns, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [record.seq, record.wallMillis, record.monotonicNanos, record.kind, Data(record.payload),
                                             Data(record.previousHash), Data(record.hash)])
                    }
                }
                progress(walker.recordsChecked)
            }
            try pool.close()
        } catch {
            try? pool.close()
            throw error
        }
        if case .failure(let failure) = try rebuild(directory: directory) { throw RestoreError.backupInvalid("\(failure)") }
        try HeadMarker(path: configuration.headMarkerPath).write(HeadMarker.Head(seq: walker.head.seq, hash: walker.head.hash))
        switch try verify(directory: directory, full: true) {
        case .failure(let failure): throw RestoreError.backupInvalid("the restored journal does not verify: \(failure)")
        case .success(let verified): return verified
        }
    }
}
