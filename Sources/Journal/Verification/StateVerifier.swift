import Foundation
import GRDB
import Wagering

/// Replays every record into a fresh book, and either compares the result with the derived tables
/// (verification) or rewrites the derived tables from it (rebuild).
enum StateReplayer {
    struct Replayed {
        var book: Book
        var ticketStatus: [String: (status: TicketStatus, amount: Int64)]
        /// Each ticket's identity, by serial: a tickets row carrying another key would let a
        /// retry of the real one place a second bet.
        var identities: [Int64: (terminal: String, key: String)]
        var lastSeq: Int64
    }

    /// Replays all records; with `derived`, also writes each event's rows as the live writer would.
    static func replay(_ db: Database, currency: Currency, derived: inout DerivedStateWriter?,
                       progress: ((Int64) -> Void)? = nil) throws -> Result<Replayed, VerificationFailure> {
        var book = Book.forReplay(currency: currency)
        var statuses: [String: (status: TicketStatus, amount: Int64)] = [:]
        var identities: [Int64: (terminal: String, key: String)] = [:]
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
            for change in applied.tickets { statuses[change.ticketID.description] = (change.status, change.amount) }
            if case .betPlaced(let bet) = event { identities[seq] = (bet.terminalID.rawValue, bet.idempotencyKey) }
            try derived?.record(applied, seq: seq, db: db)
            lastSeq = seq
            if seq % 100_000 == 0 { progress?(seq) }
        }
        return .success(Replayed(book: book, ticketStatus: statuses, identities: identities, lastSeq: lastSeq))
    }

    /// Compares a replay with what the derived tables hold; nil when they agree.
    static func compare(_ replayed: Replayed, _ db: Database) throws -> String? {
        let loaded: Book
        do { loaded = try DerivedStateLoader.loadBook(db, into: Book.forReplay(currency: replayed.book.currency)) } catch {
            return "tables cannot be loaded: \(error)"
        }
        if loaded.board != replayed.book.board { return "the markets table differs from the replayed board" }
        if loaded.exposure != replayed.book.exposure { return "exposure differs from the replayed open bets" }
        var tableStatuses: [String: (TicketStatus, Int64)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT serial, ticket_id, terminal_id, idempotency_key, status, amount FROM tickets") {
            let ticket: String = row["ticket_id"]
            guard let status = TicketStatus(rawValue: row["status"]) else { return "ticket \(ticket) has an unknown status" }
            guard let identity = replayed.identities[row["serial"]], identity.terminal == row["terminal_id"],
                  identity.key == row["idempotency_key"]
            else { return "ticket \(ticket) names another terminal or idempotency key than its bet.placed record" }
            tableStatuses[ticket] = (status, row["amount"])
        }
        if tableStatuses.count != replayed.ticketStatus.count {
            return "the tickets table has \(tableStatuses.count) tickets, the records \(replayed.ticketStatus.count)"
        }
        for (ticket, expected) in replayed.ticketStatus.sorted(by: { $0.key < $1.key }) {
            guard let actual = tableStatuses[ticket], actual.0 == expected.status, actual.1 == expected.amount else {
                return "ticket \(ticket) should be \(expected.status.rawValue) \(expected.amount)"
            }
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
