import Foundation
import GRDB
import Wagering

/// Replays every record into a fresh book, and either compares the result with the derived tables
/// (verification) or rewrites the derived tables from it (rebuild).
enum StateReplayer {
    struct Replayed {
        var book: Book
        /// Tickets the book still holds when the records end (neither lost nor paid, or awaiting
        /// central's verdict), with their last status, amount and verdict column; only when
        /// replaying to verify. Bounded as the book is: finished tickets were compared with their
        /// rows when they got there, and nothing changes them after.
        var unfinished: [TicketID: ExpectedTicket]
        var lastSeq: Int64
    }

    /// Replays all records; with `derived`, also writes each event's rows as the live writer would
    /// (a rebuild); without, compares the tickets table with the records as it goes (verification).
    static func replay(_ db: Database, currency: Currency, derived: inout DerivedStateWriter?,
                       progress: ((Int64) -> Void)? = nil) throws -> Result<Replayed, VerificationFailure> {
        var book = Book.forReplay(currency: currency)
        var tickets = derived == nil ? try TicketTableCheck(db) : nil
        var lastSeq: Int64 = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, kind, payload FROM journal ORDER BY seq")
        while let row = try rows.next() {
            let seq: Int64 = row["seq"]
            let event: LedgerEvent
            do {
                event = try EventCoding.decode(kind: row["kind"], payload: Array(row["payload"] as Data))
            } catch {
                return .failure(VerificationFailure(seq: seq, problem: .undecodable(String(describing: error))))
            }
            let applied: Applied
            do { applied = try book.replay(event) } catch {
                return .failure(VerificationFailure(seq: seq, problem: .derivedStateMismatch(error.description)))
            }
            if let mismatch = try tickets?.check(event, applied, seq: seq, book: book, db) {
                return .failure(VerificationFailure(seq: seq, problem: .derivedStateMismatch(mismatch)))
            }
            try derived?.record(applied, seq: seq, db: db)
            lastSeq = seq
            if seq % 100_000 == 0 { progress?(seq) }
        }
        if let extra = tickets?.leftOverRow {
            return .failure(VerificationFailure(seq: lastSeq, problem: .derivedStateMismatch(extra)))
        }
        return .success(Replayed(book: book, unfinished: tickets?.unfinished ?? [:], lastSeq: lastSeq))
    }

    /// Compares a replay with what the derived tables hold; nil when they agree.
    static func compare(_ replayed: Replayed, _ db: Database) throws -> String? {
        let loaded: Book
        do { loaded = try DerivedStateLoader.loadBook(db, into: Book.forReplay(currency: replayed.book.currency)) } catch {
            return "tables cannot be loaded: \(error)"
        }
        if loaded.board != replayed.book.board { return "the markets table differs from the replayed board" }
        if loaded.exposure != replayed.book.exposure { return "exposure differs from the replayed open bets" }
        // Finished tickets were compared during the replay; the rest are compared here, both
        // ways, through the partial indexes on unfinished statuses and pending verdicts.
        var unfinishedRows = 0
        let rows = try Row.fetchCursor(db, sql: """
            SELECT ticket_id, status, amount, verdict FROM tickets WHERE serial IN (\(TicketRecord.unfinishedSerials))
            """)
        while let row = try rows.next() {
            let text: String = row["ticket_id"]
            guard let ticket = try? TicketID(parsing: text), let expected = replayed.unfinished[ticket] else {
                return "ticket \(text) is \(row["status"] as String) in the tickets table, but finished or unknown in the records"
            }
            if let mismatch = expected.mismatch(row, ticket) { return mismatch }
            unfinishedRows += 1
        }
        if unfinishedRows != replayed.unfinished.count {
            return "the tickets table has \(unfinishedRows) unfinished tickets, the records \(replayed.unfinished.count)"
        }
        if let problem = try IdempotencyIndex.problem(db) { return problem }
        let exposureRows = try Row.fetchAll(db, sql: "SELECT selection_id, win_return, line_stake FROM exposure")
        let replayedSelections = Set(replayed.book.exposure.winReturn.keys).union(replayed.book.exposure.lineStake.keys)
        if exposureRows.count != replayedSelections.count { return "the exposure table has \(exposureRows.count) rows, expected \(replayedSelections.count)" }
        for row in exposureRows {
            let selection = SelectionID(rawValue: row["selection_id"])
            if replayed.book.exposure.winReturn[selection, default: 0] != row["win_return"] as Int64
                || replayed.book.exposure.lineStake[selection, default: 0] != row["line_stake"] as Int64 {
                return "exposure of \(selection) differs from the replayed open bets"
            }
        }
        return nil
    }
}

/// A ticket row as the records say it should be.
struct ExpectedTicket {
    var status: TicketStatus
    var amount: Int64
    /// The verdict column: nil, "pending", or central's decision.
    var verdict: String?

    func mismatch(_ row: Row, _ ticket: TicketID) -> String? {
        guard status.rawValue == row["status"], amount == row["amount"], verdict == row["verdict"] else {
            return "ticket \(ticket) should be \(status.rawValue) \(amount)" + (verdict.map { ", verdict \($0)" } ?? "")
        }
        return nil
    }
}

/// Compares the tickets table with the records during a verifying replay, in constant memory
/// apart from the unfinished tickets: a cursor over the rows by serial walks beside the records
/// (each `bet.placed` record at seq s has the row of serial s, with its terminal and key), and a
/// ticket that ends lost or paid is compared with its row at once, since nothing changes it after.
private struct TicketTableCheck {
    private let rows: RowCursor
    private var pending: Row?
    private(set) var unfinished: [TicketID: ExpectedTicket] = [:]

    init(_ db: Database) throws {
        rows = try Row.fetchCursor(db, sql: "SELECT serial, ticket_id, terminal_id, idempotency_key FROM tickets ORDER BY serial")
        pending = try rows.next()
    }

    /// What is wrong with the tickets table as of record `seq`, or nil. `book` is the replayed book
    /// after the record, which says whether a ticket is still kept for a verdict.
    mutating func check(_ event: LedgerEvent, _ applied: Applied, seq: Int64, book: Book, _ db: Database) throws -> String? {
        var placedVerdict: String?
        if case .betPlaced(let bet) = event {
            guard let row = pending, let serial = row["serial"] as Int64?, serial <= seq else {
                return "ticket \(bet.ticketID) has no row in the tickets table"
            }
            guard serial == seq else { return "ticket \(row["ticket_id"] as String) has a row but no bet.placed record" }
            // A row carrying another key would let a retry of the real one place a second bet.
            guard row["terminal_id"] == bet.terminalID.rawValue, row["idempotency_key"] == bet.idempotencyKey else {
                return "ticket \(bet.ticketID) names another terminal or idempotency key than its bet.placed record"
            }
            pending = try rows.next()
            placedVerdict = bet.verdictRequired == true ? TicketRecord.pendingVerdict : nil
        }
        for change in applied.tickets {
            let verdict = change.verdict?.rawValue ?? unfinished[change.ticketID]?.verdict ?? placedVerdict
            let expected = ExpectedTicket(status: change.status, amount: change.amount, verdict: verdict)
            guard book.ticket(change.ticketID) == nil else {
                unfinished[change.ticketID] = expected
                continue
            }
            unfinished[change.ticketID] = nil
            let row = try Row.fetchOne(db, sql: "SELECT status, amount, verdict FROM tickets WHERE serial = ?",
                                       arguments: [Int64(change.ticketID.serial)])
            guard let row else { return "ticket \(change.ticketID) has no row in the tickets table" }
            if let mismatch = expected.mismatch(row, change.ticketID) { return mismatch }
        }
        return nil
    }

    /// A row left after the last record: a ticket with no bet.placed record.
    var leftOverRow: String? {
        pending.map { "ticket \($0["ticket_id"] as String) has a row but no bet.placed record" }
    }
}
