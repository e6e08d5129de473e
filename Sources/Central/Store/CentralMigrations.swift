import Logging
import PostgresNIO

/// Central's schema, as numbered migrations applied in order, each in its own transaction. An
/// advisory lock makes concurrent instances starting together apply each migration once.
enum CentralMigrations {
    struct Migration {
        var version: Int
        var name: String
        var statements: [PostgresQuery]
    }

    /// Arbitrary, fixed: the advisory lock key the migrating instance holds.
    static let lockKey: Int64 = 0x486f_6c64_6661_7374

    static let all: [Migration] = [
        Migration(version: 1, name: "appliances, journal records, alerts", statements: [
            """
            CREATE TABLE appliances (
                code               text        PRIMARY KEY,
                venue              text        NOT NULL,
                certificate_sha256 bytea       NOT NULL UNIQUE CHECK (length(certificate_sha256) = 32),
                enrolled_at        timestamptz NOT NULL DEFAULT now(),
                head_seq           bigint      NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
                head_hash          bytea       NOT NULL DEFAULT decode(repeat('00', 32), 'hex') CHECK (length(head_hash) = 32),
                last_push_at       timestamptz
            )
            """,
            """
            CREATE TABLE journal_records (
                appliance   text        NOT NULL REFERENCES appliances (code),
                seq         bigint      NOT NULL CHECK (seq >= 1),
                wall_ms     bigint      NOT NULL,
                mono_ns     bigint      NOT NULL,
                kind        text        NOT NULL,
                payload     bytea       NOT NULL,
                prev_hash   bytea       NOT NULL CHECK (length(prev_hash) = 32),
                hash        bytea       NOT NULL CHECK (length(hash) = 32),
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (appliance, seq)
            )
            """,
            """
            CREATE TABLE alerts (
                id          bigserial   PRIMARY KEY,
                appliance   text        NOT NULL,
                type        text        NOT NULL,
                seq         bigint,
                detail      text        NOT NULL,
                raised_at   timestamptz NOT NULL DEFAULT now(),
                resolved_at timestamptz
            )
            """,
            // An appliance retrying a refused batch raises its alert once, not once per attempt.
            "CREATE UNIQUE INDEX alerts_open_once ON alerts (appliance, type, coalesce(seq, -1)) WHERE resolved_at IS NULL",
        ]),
        Migration(version: 2, name: "feed, verdicts, payouts", statements: [
            // The cursor is assigned under an advisory lock held to commit (CentralFeed), so
            // cursor order is commit order and a reader never skips an item committed late.
            """
            CREATE TABLE feed_items (
                cursor       bigserial   PRIMARY KEY,
                venue        text        NOT NULL,
                appliance    text,
                kind         text        NOT NULL,
                body         jsonb       NOT NULL,
                published_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX feed_items_by_venue ON feed_items (venue, cursor)",
            """
            CREATE TABLE verdicts (
                appliance  text        NOT NULL,
                seq        bigint      NOT NULL,
                ticket_id  text        NOT NULL,
                decision   text        NOT NULL,
                reason     text,
                detail     text        NOT NULL,
                decided_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (appliance, seq)
            )
            """,
            // Ticket ids carry the appliance's code, so one is paid at most once anywhere.
            """
            CREATE TABLE payouts (
                ticket_id text   PRIMARY KEY,
                appliance text   NOT NULL,
                seq       bigint NOT NULL
            )
            """,
        ]),
    ]

    /// Applies every migration not yet applied; answers the versions it applied.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var applied: [Int] = []
        for migration in all {
            let didApply = try await client.withTransaction(logger: logger) { connection -> Bool in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                let rows = try await connection.query("SELECT 1 FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
                for try await _ in rows { return false }
                for statement in migration.statements {
                    try await connection.query(statement, logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                                           logger: logger)
                return true
            }
            if didApply {
                logger.notice("central schema migrated", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                applied.append(migration.version)
            }
        }
        return applied
    }
}
