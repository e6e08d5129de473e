import Foundation
import GRDB
public import Logging
import Wagering

extension BetJournal {
    /// Opens (or creates) the journal in `configuration.directory` and makes it ready to write:
    /// schema migrations, SQLite quick check, the head-marker check for lost commits, chain
    /// verification from the last verified checkpoint, and the book loaded from the derived tables.
    /// A journal that fails any of these is not written to: the error names the first bad record.
    ///
    /// `random` is used once, to create the appliance's ticket key on first open.
    public static func open<Source: RandomNumberGenerator>(
        _ configuration: JournalConfiguration, clock: any JournalClock, random: inout Source, logger: Logger
    ) async throws(JournalOpenError) -> BetJournal {
        let path = configuration.databasePath
        do {
            try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch { throw .cannotOpen(path: configuration.directory, reason: "\(error)") }

        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: configuration.databaseOpenName, configuration: databaseConfiguration())
            try requireFullSynchronous(pool)
            if let newer = try await pool.read(Schema.newerSchemaProblem) { throw JournalOpenError.cannotOpen(path: path, reason: newer) }
            try Schema.migrator.migrate(pool)
        } catch let error as JournalOpenError {
            throw error
        } catch { throw .cannotOpen(path: path, reason: "\(error)") }

        do {
            let (book, head, idempotency, offline) = try await pool.write {
                db throws -> (Book, HeadMarker.Head, IdempotencyIndex, OfflineLedger) in
                try quickCheck(db)
                try checkMeta(db, configuration)
                let head = try JournalReader.head(db)
                try checkHeadMarker(HeadMarker(path: configuration.headMarkerPath).read(), against: head, db)
                let checkpoint = try ChainVerifier.checkpoint(db)
                switch try ChainVerifier.verify(db, from: checkpoint) {
                case .failure(let failure): throw JournalOpenError.verificationFailed(failure)
                case .success(let report):
                    try ChainVerifier.saveCheckpoint(HeadMarker.Head(seq: report.headSeq, hash: report.headHash), db)
                    logger.info("journal verified", metadata: ["from": "\(report.fromSeq)", "head": "\(report.headSeq)",
                                                               "records": "\(report.recordsChecked)"])
                }
                let book: Book
                do { book = try DerivedStateLoader.loadBook(db, into: configuration.emptyBook) } catch let error as JournalOpenError {
                    throw error
                } catch { throw JournalOpenError.derivedStateInvalid("\(error)") }
                return (book, head, try IdempotencyIndex.load(db, runLength: configuration.idempotencyRunLength),
                        try OfflineLedger.load(markPath: configuration.offlineMarkPath, db))
            }
            let ticketKey = try TicketKeyStore(path: configuration.ticketKeyPath).loadOrCreate(using: &random)
            try HeadMarker(path: configuration.headMarkerPath).write(head)
            let writer = LedgerWriter(book: book, head: head, idempotency: idempotency, configuration: configuration,
                                      ticketKey: ticketKey, offline: offline, clock: clock, logger: logger)
            let checkpointer = try WALCheckpointer(databaseOpenName: configuration.databaseOpenName,
                                                   thresholdFrames: configuration.walCheckpointFrames, logger: logger)
            try await pool.writeWithoutTransaction { checkpointer.watch($0) }
            logger.info("journal open", metadata: ["path": "\(path)", "head": "\(head.seq)", "open_tickets": "\(book.openTicketCount)"])
            return BetJournal(configuration: configuration, pool: pool, writer: writer, checkpointer: checkpointer, logger: logger)
        } catch let error as JournalOpenError {
            try? pool.close()
            throw error
        } catch {
            try? pool.close()
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    static func databaseConfiguration() -> GRDB.Configuration {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(5)
        configuration.maximumReaderCount = 4
        configuration.label = "holdfast.journal"
        return configuration
    }

    /// GRDB sets `synchronous=NORMAL` on a WAL writer after any `prepareDatabase` hook, which
    /// would let commits skip their fsync. Set FULL on the writer connection after opening and
    /// read it back there (a reader reports its own value and would hide the problem).
    static func requireFullSynchronous(_ pool: DatabasePool) throws {
        let mode = try pool.writeWithoutTransaction { db -> Int? in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard mode == 2 else {
            throw JournalOpenError.cannotOpen(path: pool.path, reason: "PRAGMA synchronous reads \(mode.map(String.init) ?? "nothing") on the writer, not 2 (FULL)")
        }
    }

    static func quickCheck(_ db: Database) throws {
        let answers = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard answers == ["ok"] else { throw JournalOpenError.integrityCheckFailed(answers.prefix(5).joined(separator: "; ")) }
    }

    /// A journal belongs to one appliance and one currency for its whole life.
    static func checkMeta(_ db: Database, _ configuration: JournalConfiguration) throws {
        let expected = ["appliance_code": configuration.applianceCode.rawValue, "currency": configuration.currency.code]
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            if let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) {
                guard stored == value else { throw JournalOpenError.configurationMismatch(key: key, journal: stored, configured: value) }
            } else {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
    }

    /// The marker may trail the database (a crash between commit and marker write) but never
    /// lead it, and the record it names must still be the one it names.
    static func checkHeadMarker(_ marker: HeadMarker.Head?, against head: HeadMarker.Head, _ db: Database) throws {
        guard let marker, marker.seq > 0 else { return }
        if marker.seq > head.seq {
            throw JournalOpenError.lostCommittedRecords(markerSeq: marker.seq, databaseSeq: head.seq)
        }
        let recorded = try JournalReader.record(marker.seq, db)?.hash
        if recorded != marker.hash {
            throw JournalOpenError.verificationFailed(VerificationFailure(seq: marker.seq, problem: .checkpointMismatch))
        }
    }
}
