import Foundation
import GRDB
import SyncProtocol
public import Wagering

/// Read queries on the journal and its derived tables, shared by the writer and the public API.
enum JournalReader {
    static func head(_ db: Database) throws -> HeadMarker.Head {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1") else {
            return HeadMarker.Head(seq: 0, hash: ChainHash.genesis)
        }
        return HeadMarker.Head(seq: row["seq"], hash: Array(row["hash"] as Data))
    }

    static func record(_ seq: Int64, _ db: Database) throws -> JournalRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM journal WHERE seq = ?", arguments: [seq]).map(journalRecord)
    }

    static func records(after seq: Int64, limit: Int, _ db: Database) throws -> [JournalRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
            .map(journalRecord)
    }

    static func journalRecord(_ row: Row) -> JournalRecord {
        JournalRecord(seq: row["seq"], wallMillis: row["wall_ms"], monotonicNanos: row["mono_ns"], kind: row["kind"],
                      payload: Array(row["payload"] as Data), previousHash: Array(row["prev_hash"] as Data),
                      hash: Array(row["hash"] as Data))
    }

    /// The bet of the `bet.placed` record at `serial` (a ticket's serial is its record's seq).
    static func placedBet(serial: Int64, _ db: Database) throws -> PlacedBet {
        guard let record = try record(serial, db), case .betPlaced(let bet) = try EventCoding.decode(kind: record.kind, payload: record.payload) else {
            throw JournalOpenError.derivedStateInvalid("ticket serial \(serial) does not point at a bet.placed record")
        }
        return bet
    }

    static func ticketStatus(_ id: TicketID, _ db: Database) throws -> TicketStatus? {
        try ticketStanding(id, db)?.status
    }

    static func ticketStanding(_ id: TicketID, _ db: Database) throws -> (status: TicketStatus, amount: Int64)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, amount FROM tickets WHERE serial = ? AND ticket_id = ?",
                                         arguments: [Int64(id.serial), id.description])
        else { return nil }
        guard let status = TicketStatus(rawValue: row["status"]) else {
            throw JournalOpenError.derivedStateInvalid("ticket \(id) has status '\(row["status"] as String)' in the tickets table")
        }
        return (status, row["amount"])
    }

    static func ticket(_ id: TicketID, _ db: Database) throws -> TicketRecord? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT t.status, t.amount, t.serial, t.updated_seq, t.verdict, j.kind, j.payload
            FROM tickets t JOIN journal j ON j.seq = t.serial WHERE t.serial = ? AND t.ticket_id = ?
            """, arguments: [Int64(id.serial), id.description])
        else { return nil }
        guard case .betPlaced(let bet) = try EventCoding.decode(kind: row["kind"], payload: Array(row["payload"] as Data)),
              let status = TicketStatus(rawValue: row["status"])
        else { throw JournalOpenError.derivedStateInvalid("ticket \(id) does not point at a bet.placed record") }
        var voidReason: String?
        if status == .voided, let voided = try record(row["updated_seq"], db) {
            switch try EventCoding.decode(kind: voided.kind, payload: voided.payload) {
            case .ticketVoided(let void): voidReason = void.reason
            case .verdictApplied(let verdict) where verdict.decision == .voided: voidReason = verdict.voidReason
            default: break
            }
        }
        var declined: DelayDecision?
        if status == .declined, let decided = try record(row["updated_seq"], db),
           case .betDelayDecided(let decision) = try EventCoding.decode(kind: decided.kind, payload: decided.payload) {
            declined = decision
        }
        return TicketRecord(bet: bet, status: status, amount: row["amount"], placedSeq: row["serial"], updatedSeq: row["updated_seq"],
                            voidReason: voidReason, verdict: row["verdict"], declined: declined)
    }
}

/// A ticket as looked up: the bet, where it stands, and the records that placed and last changed it.
public struct TicketRecord: Sendable, Hashable {
    public var bet: PlacedBet
    public var status: TicketStatus
    /// Owed (won, voided) or paid (paid); zero while open or lost.
    public var amount: Int64
    public var placedSeq: Int64
    public var updatedSeq: Int64
    /// While voided: the reason given (by staff, or central's verdict).
    public var voidReason: String?
    /// For a bet taken offline: "pending" until central's verdict is journaled, then "confirmed"
    /// or "voided". Nil for a bet that needs none.
    public var verdict: String?
    /// While declined: the decision at the end of its in-play delay, with the reason.
    public var declined: DelayDecision? = nil

    static let pendingVerdict = "pending"

    /// The serials of the tickets the book holds: unfinished, in their in-play delay, or kept for
    /// central's verdict. Index-backed selects, since SQLite would scan the table for one select
    /// with an OR.
    static let unfinishedSerials = """
        SELECT serial FROM tickets WHERE status IN ('open', 'won', 'voided')
        UNION SELECT serial FROM tickets WHERE status = 'pending'
        UNION SELECT serial FROM tickets WHERE verdict = 'pending'
        """
}
