import GRDB

/// The journal database's schema, as GRDB migrations. The `journal` table is the truth; every
/// other table is derived from it and can be rebuilt (``JournalMaintenance/rebuild(directory:progress:)``).
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: journal and derived state") { db in
            try db.execute(sql: """
                CREATE TABLE journal (
                    seq       INTEGER PRIMARY KEY,
                    wall_ms   INTEGER NOT NULL,
                    mono_ns   INTEGER NOT NULL,
                    kind      TEXT    NOT NULL,
                    payload   BLOB    NOT NULL,
                    prev_hash BLOB    NOT NULL CHECK (length(prev_hash) = 32),
                    hash      BLOB    NOT NULL CHECK (length(hash) = 32)
                );
                -- Append-only, enforced by the database itself and not only by this code.
                CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
                    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: records cannot be updated'); END;
                CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
                    BEGIN SELECT RAISE(ABORT, 'the journal is append-only: records cannot be deleted'); END;

                CREATE TABLE meta (
                    key   TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );

                -- The last record verified by a chain verification, so start-up verifies only
                -- what was appended since.
                CREATE TABLE verified_checkpoint (
                    id   INTEGER PRIMARY KEY CHECK (id = 1),
                    seq  INTEGER NOT NULL,
                    hash BLOB    NOT NULL
                );

                -- Derived: one row per ticket ever placed, keyed by its serial (the sequence
                -- number of its bet.placed record). Also the idempotency index until v2.
                CREATE TABLE tickets (
                    serial           INTEGER PRIMARY KEY,
                    ticket_id        TEXT    NOT NULL,
                    terminal_id      TEXT    NOT NULL,
                    idempotency_key  TEXT    NOT NULL,
                    request_digest   TEXT    NOT NULL,
                    status           TEXT    NOT NULL,
                    total_stake      INTEGER NOT NULL,
                    potential_return INTEGER NOT NULL,
                    amount           INTEGER NOT NULL,
                    updated_seq      INTEGER NOT NULL,
                    UNIQUE (terminal_id, idempotency_key)
                );
                CREATE INDEX tickets_unfinished ON tickets (status) WHERE status IN ('open', 'won', 'voided');

                -- Derived: the board, one row per market, with its result once resulted.
                CREATE TABLE markets (
                    market_id    TEXT    PRIMARY KEY,
                    status       TEXT    NOT NULL,
                    body         TEXT    NOT NULL,
                    result       TEXT,
                    single_stake INTEGER NOT NULL DEFAULT 0,
                    liability    INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;

                -- Derived: exposure per selection with open bets on it.
                CREATE TABLE exposure (
                    selection_id TEXT    PRIMARY KEY,
                    win_return   INTEGER NOT NULL,
                    line_stake   INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2: idempotency index written in sorted runs") { db in
            // SQLite cannot drop a UNIQUE constraint, so the tickets table is copied into one
            // without it (the index moves to its own table, see IdempotencyIndex).
            try db.execute(sql: """
                CREATE TABLE tickets_v2 (
                    serial           INTEGER PRIMARY KEY,
                    ticket_id        TEXT    NOT NULL,
                    terminal_id      TEXT    NOT NULL,
                    idempotency_key  TEXT    NOT NULL,
                    request_digest   TEXT    NOT NULL,
                    status           TEXT    NOT NULL,
                    total_stake      INTEGER NOT NULL,
                    potential_return INTEGER NOT NULL,
                    amount           INTEGER NOT NULL,
                    updated_seq      INTEGER NOT NULL
                );
                INSERT INTO tickets_v2 SELECT serial, ticket_id, terminal_id, idempotency_key, request_digest, status,
                                              total_stake, potential_return, amount, updated_seq FROM tickets;
                DROP TABLE tickets;
                ALTER TABLE tickets_v2 RENAME TO tickets;
                CREATE INDEX tickets_unfinished ON tickets (status) WHERE status IN ('open', 'won', 'voided');

                -- Derived: the ticket each (terminal, idempotency key) placed: every ticket up to
                -- through_serial, and the part of the run under way written so far; the writer
                -- holds the other later ones in memory (IdempotencyIndex).
                CREATE TABLE idempotency (
                    terminal_id     TEXT    NOT NULL,
                    idempotency_key TEXT    NOT NULL,
                    serial          INTEGER NOT NULL,
                    PRIMARY KEY (terminal_id, idempotency_key)
                ) WITHOUT ROWID;
                CREATE TABLE idempotency_indexed (
                    id             INTEGER PRIMARY KEY CHECK (id = 1),
                    through_serial INTEGER NOT NULL
                );
                """)
            try IdempotencyIndex.indexAll(db)
        }
        migrator.registerMigration("v3: markets without liability columns") { db in
            // Rewritten, whole row with its body, for every market a batch's bets touched, and read
            // by nothing: the book recomputes a market's liability from the open tickets at open.
            // Dropping them cut the bytes written per bet by a quarter (docs/BENCHMARKS.md).
            try db.execute(sql: "ALTER TABLE markets DROP COLUMN single_stake; ALTER TABLE markets DROP COLUMN liability")
        }
        migrator.registerMigration("v4: central's verdict per offline ticket") { db in
            // NULL for a bet that needs no verdict (online, or offline under the rule before
            // docs/adr/0012, as every row here is); 'pending' until the verdict is journaled, then
            // its decision. The partial index finds the tickets kept for a verdict at start-up.
            try db.execute(sql: """
                ALTER TABLE tickets ADD COLUMN verdict TEXT;
                CREATE INDEX tickets_awaiting_verdict ON tickets (serial) WHERE verdict = 'pending';
                """)
        }
        migrator.registerMigration("v5: in-play bets in their delay") { db in
            // Tickets with status 'pending' wait out an in-play delay (docs/adr/0014); the book
            // holds them, so start-up finds them through this index like the other unfinished ones.
            try db.execute(sql: "CREATE INDEX tickets_in_delay ON tickets (serial) WHERE status = 'pending'")
        }
        migrator.registerMigration("v6: market change counts") { db in
            // A migration of its own, so a journal that took v5 before the recount existed gets it too.
            try MarketChangeCounts.recount(db)
        }
        return migrator
    }

    /// Why this build must not touch the journal, if a newer holdfast migrated it: this build's
    /// statements name tables and columns that may be gone, so a rollback after a failed upgrade
    /// would fail at the first bet, and a rebuild would write tables of the wrong shape.
    static func newerSchemaProblem(_ db: Database) throws -> String? {
        let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
        guard !unknown.isEmpty else { return nil }
        return "a newer holdfast migrated it (\(unknown.sorted().joined(separator: "; "))); "
            + "run that build, or restore a backup taken before the upgrade"
    }

    /// Tables derived from the journal, in the order a rebuild clears them.
    static let derivedTables = ["tickets", "markets", "exposure", "idempotency"]
}
