import Foundation
import GRDB
import Wagering

/// Which ticket each `(terminal id, idempotency key)` placed: the lookup that makes a retried bet
/// return its original ticket.
///
/// The newest placements are held in memory; once `runLength` have gathered they are sorted and
/// written to the `idempotency` table as a run, a step per commit so that no one commit carries
/// the whole run. A UNIQUE index on the tickets table did this job row by row, but each
/// terminal's keys sort apart from the others', so a batch of bets from 64 terminals dirtied up
/// to 64 leaves of that index: half of the bytes each commit wrote and fsynced. In a sorted run a
/// terminal's keys share one or two leaves.
///
/// Nothing is lost in a crash. `idempotency_indexed.through_serial` marks the last run completed:
/// every ticket up to it is in the table. The `bet.placed` records after it hold every later key,
/// and ``load(_:runLength:)`` reads back those the table does not hold yet, from the records (just
/// verified by their hash chain), not from the tickets rows a damaged page could have altered.
/// Nothing in the schema refuses a second ticket for one key any more, so `load`, ``indexAll(_:)``
/// and ``problem(_:)`` each refuse a journal that holds one, naming both records.
///
/// Confinement: used only inside the journal writer's write accesses, like ``LedgerWriter``.
struct IdempotencyIndex {
    struct Key: Hashable {
        var terminal: String
        var key: String

        /// The table's order (SQLite's BINARY collation) for the keys terminals send: Swift orders
        /// NFC strings, ASCII among them, by their scalars, which is their UTF-8 bytes. Any order
        /// that keeps a terminal's keys together would cost locality only, not correctness.
        static func precedes(_ a: Key, _ b: Key) -> Bool {
            a.terminal != b.terminal ? a.terminal < b.terminal : a.key < b.key
        }
    }

    /// A run being written: its placements in table order, how many are written, and the last
    /// record of the commit that started it (every ticket up to there is in the run or the table).
    private struct Run {
        var placements: [(key: Key, serial: Int64)]
        var written: Int
        var through: Int64
    }

    /// Every placement not in the table yet, including those of the run being written.
    private(set) var pending: [Key: Int64]
    private var run: Run?
    let runLength: Int

    /// The index as committed: the placements after the last completed run that are not in the table.
    static func load(_ db: Database, runLength: Int) throws -> IdempotencyIndex {
        precondition(runLength > 0, "an idempotency run holds at least one placement")
        var pending: [Key: Int64] = [:]
        let placedKind = "bet.placed"
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, payload FROM journal WHERE seq > ? AND kind = ? ORDER BY seq",
                                       arguments: [try indexedThrough(db), placedKind])
        while let row = try rows.next() {
            let serial: Int64 = row[0]
            guard case .betPlaced(let bet) = try EventCoding.decode(kind: placedKind, payload: Array(row[1] as Data)) else {
                throw JournalOpenError.derivedStateInvalid("record \(serial) is not the bet its kind says")
            }
            let key = Key(terminal: bet.terminalID.rawValue, key: bet.idempotencyKey)
            if let indexed = try indexedSerial(key, db) {
                guard indexed == serial else { throw placedTwice(key, indexed, serial) }
                continue
            }
            if let earlier = pending.updateValue(serial, forKey: key) { throw placedTwice(key, earlier, serial) }
        }
        return IdempotencyIndex(pending: pending, run: nil, runLength: runLength)
    }

    private static func placedTwice(_ key: Key, _ first: Int64, _ second: Int64) -> JournalOpenError {
        .derivedStateInvalid("idempotency key '\(key.key)' of terminal \(key.terminal) is claimed by two tickets, serials \(first) and \(second)")
    }

    /// The serial of the ticket this key placed, if any.
    func serial(terminal: TerminalID, key: String, _ db: Database) throws -> Int64? {
        let key = Key(terminal: terminal.rawValue, key: key)
        return try pending[key] ?? Self.indexedSerial(key, db)
    }

    /// The serial the table holds for this key, if it holds the key.
    private static func indexedSerial(_ key: Key, _ db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT serial FROM idempotency WHERE terminal_id = ? AND idempotency_key = ?"),
                           arguments: [key.terminal, key.key])
    }

    /// A ticket placed in the transaction under way; the caller has looked the key up first.
    mutating func placed(terminal: TerminalID, key: String, serial: Int64) {
        let previous = pending.updateValue(serial, forKey: Key(terminal: terminal.rawValue, key: key))
        assert(previous == nil, "idempotency key '\(key)' of \(terminal) placed twice")
    }

    /// Starts a run once `runLength` placements wait, and writes the next step of the run under
    /// way: a sixteenth of a run, or twice the records the transaction appended if that is more,
    /// so that runs are written faster than keys arrive and memory stays near `runLength`.
    /// `head` is the last record of the transaction under way. The writer calls this only in a
    /// transaction that appended records: one that only answers retries or refusals must not
    /// write, so that it cannot fail on a full disk. If the transaction rolls back, the writer
    /// reloads the index (``load(_:runLength:)``).
    mutating func writeRunStep(head: Int64, appended: Int, _ db: Database) throws {
        if run == nil {
            guard pending.count >= runLength else { return }
            let sorted = pending.map { (key: $0.key, serial: $0.value) }.sorted { Key.precedes($0.key, $1.key) }
            run = Run(placements: sorted, written: 0, through: head)
        }
        guard var current = run else { return }
        let stepLength = max(runLength / 16, 2 * appended, 1)
        let step = current.written..<min(current.placements.count, current.written + stepLength)
        let insert = try db.cachedStatement(sql: "INSERT INTO idempotency (terminal_id, idempotency_key, serial) VALUES (?, ?, ?)")
        for placement in current.placements[step] {
            try insert.execute(arguments: [placement.key.terminal, placement.key.key, placement.serial])
            pending[placement.key] = nil
        }
        current.written = step.upperBound
        if current.written == current.placements.count {
            try Self.mark(through: current.through, db)
            run = nil
        } else {
            run = current
        }
    }

    /// Indexes every ticket row, for the migration that made this table and for a rebuild.
    static func indexAll(_ db: Database) throws {
        if let duplicate = try duplicateTicketKey(db) { throw duplicate }
        try db.execute(sql: """
            DELETE FROM idempotency;
            INSERT INTO idempotency (terminal_id, idempotency_key, serial)
                SELECT terminal_id, idempotency_key, serial FROM tickets ORDER BY terminal_id, idempotency_key;
            """)
        try mark(through: Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM journal") ?? 0, db)
    }

    /// Whether the table holds a key for every ticket up to its mark, and only keys of tickets;
    /// nil when it does.
    static func problem(_ db: Database) throws -> String? {
        if let duplicate = try duplicateTicketKey(db) { return duplicate.description }
        let through = try indexedThrough(db)
        let indexed = try Int.fetchOne(db, sql: "SELECT count(*) FROM idempotency") ?? 0
        let matching = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM idempotency i JOIN tickets t
                ON t.serial = i.serial AND t.terminal_id = i.terminal_id AND t.idempotency_key = i.idempotency_key
            """) ?? 0
        if matching != indexed {
            return "the idempotency table has \(indexed - matching) of its \(indexed) keys that match no ticket"
        }
        let expected = try Int.fetchOne(db, sql: "SELECT count(*) FROM tickets WHERE serial <= ?", arguments: [through]) ?? 0
        let covered = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM tickets t WHERE t.serial <= ? AND EXISTS (
                SELECT 1 FROM idempotency i WHERE i.serial = t.serial AND i.terminal_id = t.terminal_id
                    AND i.idempotency_key = t.idempotency_key)
            """, arguments: [through]) ?? 0
        if covered != expected {
            return "the idempotency table lacks the keys of \(expected - covered) of the \(expected) tickets up to serial \(through)"
        }
        return nil
    }

    /// Two tickets rows with one key: a bet placed twice (or a damaged row, which full
    /// verification tells apart by comparing the rows with their records).
    private static func duplicateTicketKey(_ db: Database) throws -> JournalOpenError? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT terminal_id, idempotency_key, min(serial), max(serial) FROM tickets
            GROUP BY terminal_id, idempotency_key HAVING count(*) > 1 LIMIT 1
            """) else { return nil }
        return placedTwice(Key(terminal: row[0], key: row[1]), row[2], row[3])
    }

    private static func indexedThrough(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT through_serial FROM idempotency_indexed WHERE id = 1") ?? 0
    }

    private static func mark(through serial: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO idempotency_indexed (id, through_serial) VALUES (1, ?)
            ON CONFLICT (id) DO UPDATE SET through_serial = excluded.through_serial
            """).execute(arguments: [serial])
    }
}
