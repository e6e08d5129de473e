import Foundation
import GRDB
import Wagering

/// Verification and rebuild of a journal directory, for the ops CLI and the console. These work
/// on a journal that would not open for writing (that is when they are needed): verification
/// opens the database read-only and changes nothing.
public enum JournalMaintenance {
    public struct Verified: Sendable, Hashable {
        public var chain: VerificationReport
        /// Whether the derived tables were compared with a replay (full verification).
        public var derivedStateChecked: Bool
    }

    /// Verifies the whole chain from the first record, the head marker, SQLite's integrity check
    /// and, with `full`, the derived tables against a replay of every record. `progress` receives
    /// the number of records checked so far.
    public static func verify(directory: String, full: Bool,
                              progress: (@Sendable (Int64) -> Void)? = nil) throws -> Result<Verified, JournalOpenError> {
        let pool = try openReadOnly(directory)
        defer { try? pool.close() }
        return try pool.read { db in
            let integrity = try String.fetchAll(db, sql: full ? "PRAGMA integrity_check" : "PRAGMA quick_check")
            guard integrity == ["ok"] else { return .failure(.integrityCheckFailed(integrity.prefix(5).joined(separator: "; "))) }
            let chain: VerificationReport
            switch try ChainVerifier.verify(db, from: nil, progress: progress) {
            case .failure(let failure): return .failure(.verificationFailed(failure))
            case .success(let report): chain = report
            }
            do {
                try BetJournal.checkHeadMarker(HeadMarker(path: JournalFiles.headMarker.in(directory)).read(),
                                               against: HeadMarker.Head(seq: chain.headSeq, hash: chain.headHash), db)
            } catch let error as JournalOpenError { return .failure(error) }
            guard full else { return .success(Verified(chain: chain, derivedStateChecked: false)) }
            // Read-only, so it cannot migrate: derived tables of another schema are not this build's to judge.
            if let newer = try Schema.newerSchemaProblem(db) { return .failure(.cannotOpen(path: pool.path, reason: newer)) }
            guard try Schema.migrator.hasCompletedMigrations(db) else {
                return .failure(.cannotOpen(path: pool.path, reason: "its schema is older than this build's; "
                    + "start holdfastd or run `holdfast journal rebuild` once to migrate it, then verify in full"))
            }
            var noWriter: DerivedStateWriter? = nil
            switch try StateReplayer.replay(db, currency: try storedCurrency(db), derived: &noWriter) {
            case .failure(let failure): return .failure(.verificationFailed(failure))
            case .success(let replayed):
                if let mismatch = try StateReplayer.compare(replayed, db) {
                    return .failure(.verificationFailed(VerificationFailure(seq: replayed.lastSeq, problem: .derivedStateMismatch(mismatch))))
                }
            }
            return .success(Verified(chain: chain, derivedStateChecked: true))
        }
    }

    /// Rebuilds the derived tables from the records alone, after verifying the chain. Returns the
    /// number of records replayed. The journal itself is not touched.
    public static func rebuild(directory: String, progress: (@Sendable (Int64) -> Void)? = nil) throws -> Result<Int64, JournalOpenError> {
        let pool = try DatabasePool(path: JournalFiles.database.in(directory), configuration: BetJournal.databaseConfiguration())
        defer { try? pool.close() }
        try BetJournal.requireFullSynchronous(pool)
        if let newer = try pool.read(Schema.newerSchemaProblem) { return .failure(.cannotOpen(path: pool.path, reason: newer)) }
        try Schema.migrator.migrate(pool)
        return try pool.write { db in
            if case .failure(let failure) = try ChainVerifier.verify(db, from: nil) { return .failure(.verificationFailed(failure)) }
            for table in Schema.derivedTables { try db.execute(sql: "DELETE FROM \(table)") }
            var derived: DerivedStateWriter? = DerivedStateWriter()
            switch try StateReplayer.replay(db, currency: try storedCurrency(db), derived: &derived, progress: progress) {
            case .failure(let failure): return .failure(.verificationFailed(failure))
            case .success(let replayed):
                try derived!.flush(book: replayed.book, db: db)
                try IdempotencyIndex.indexAll(db)
                return .success(replayed.lastSeq)
            }
        }
    }

    static func openReadOnly(_ directory: String) throws -> DatabasePool {
        let path = JournalFiles.database.in(directory)
        guard FileManager.default.fileExists(atPath: path) else {
            throw JournalOpenError.cannotOpen(path: path, reason: "no journal there")
        }
        var configuration = BetJournal.databaseConfiguration()
        configuration.readonly = true
        return try DatabasePool(path: path, configuration: configuration)
    }

    static func storedCurrency(_ db: Database) throws -> Currency {
        guard let code = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'currency'") else {
            throw JournalOpenError.derivedStateInvalid("the journal has no currency in its meta table")
        }
        do { return try Currency(code: code) } catch { throw JournalOpenError.derivedStateInvalid("\(error)") }
    }
}
