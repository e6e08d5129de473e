import Foundation
import GRDB
import Wagering

/// Keeps the derived tables (tickets, markets, exposure) in step with the journal, inside the
/// same transaction as the records, so they are never ahead of or behind it.
///
/// Ticket rows are written per event. Market and exposure rows are marked dirty and written once
/// per batch by ``flush(book:db:)``: many bets on one favourite cost one exposure write, not one
/// each, and a bet writes no market row at all.
struct DerivedStateWriter {
    private var changedBoards = Set<MarketID>()
    private var dirtySelections = Set<SelectionID>()
    private var results: [MarketID: MarketResult] = [:]

    mutating func record(_ applied: Applied, seq: Int64, db: Database) throws {
        if case .betPlaced(let bet) = applied.event {
            try db.cachedStatement(sql: """
                INSERT INTO tickets (serial, ticket_id, terminal_id, idempotency_key, request_digest, status, total_stake,
                                     potential_return, amount, updated_seq, verdict)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                """).execute(arguments: [seq, bet.ticketID.description, bet.terminalID.rawValue, bet.idempotencyKey,
                                         bet.requestDigest.hex, (applied.tickets.first?.status ?? .open).rawValue, bet.totalStake.minorUnits, bet.potentialReturn.minorUnits, seq,
                                         bet.verdictRequired == true ? TicketRecord.pendingVerdict : nil])
        } else {
            for change in applied.tickets {
                if let verdict = change.verdict {
                    // updated_seq names the record that last changed the status or amount (a
                    // staff void's reason is read from it), so a verdict that changes neither
                    // leaves it. SQLite evaluates every SET expression on the row as it was.
                    try db.cachedStatement(sql: """
                        UPDATE tickets SET updated_seq = CASE WHEN status = ?1 AND amount = ?2 THEN updated_seq ELSE ?3 END,
                                           status = ?1, amount = ?2, verdict = ?4
                        WHERE serial = ?5
                        """).execute(arguments: [change.status.rawValue, change.amount, seq, verdict.rawValue, Int64(change.ticketID.serial)])
                } else {
                    try db.cachedStatement(sql: "UPDATE tickets SET status = ?, amount = ?, updated_seq = ? WHERE serial = ?")
                        .execute(arguments: [change.status.rawValue, change.amount, seq, Int64(change.ticketID.serial)])
                }
            }
        }
        switch applied.event {
        case .marketResulted(let result):
            results[result.marketID] = result
            changedBoards.insert(result.marketID)
        case .marketPublished, .priceChanged, .marketStatusChanged, .selectionWithdrawn:
            changedBoards.formUnion(applied.markets)
        case .betPlaced, .betDelayDecided, .ticketVoided, .ticketPaid, .verdictApplied, .significant:
            break
        }
        dirtySelections.formUnion(applied.selections)
    }

    /// Writes the market and exposure rows touched since the last flush, from the book's state.
    mutating func flush(book: Book, db: Database) throws {
        let encoder = JSONEncoder()
        for marketID in changedBoards.sorted() {
            guard let market = book.board.market(marketID) else { continue }
            let body = String(decoding: try encoder.encode(market), as: UTF8.self)
            try db.cachedStatement(sql: """
                INSERT INTO markets (market_id, status, body) VALUES (?, ?, ?)
                ON CONFLICT (market_id) DO UPDATE SET status = excluded.status, body = excluded.body
                """).execute(arguments: [marketID.rawValue, market.status.rawValue, body])
            if let result = results[marketID] {
                try db.cachedStatement(sql: "UPDATE markets SET result = ? WHERE market_id = ?")
                    .execute(arguments: [String(decoding: try encoder.encode(result), as: UTF8.self), marketID.rawValue])
            }
        }
        for selection in dirtySelections.sorted() {
            let winReturn = book.exposure.winReturn[selection, default: 0]
            let lineStake = book.exposure.lineStake[selection, default: 0]
            if winReturn == 0 && lineStake == 0 {
                try db.cachedStatement(sql: "DELETE FROM exposure WHERE selection_id = ?").execute(arguments: [selection.rawValue])
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO exposure (selection_id, win_return, line_stake) VALUES (?, ?, ?)
                    ON CONFLICT (selection_id) DO UPDATE SET win_return = excluded.win_return, line_stake = excluded.line_stake
                    """).execute(arguments: [selection.rawValue, winReturn, lineStake])
            }
        }
        self = DerivedStateWriter()
    }
}

/// Reads the derived tables back into a ``Book`` at start-up: the board, the results, and the
/// unfinished tickets (whose bets are decoded from their `bet.placed` records).
enum DerivedStateLoader {
    static func loadBook(_ db: Database, into empty: Book) throws -> Book {
        let decoder = JSONDecoder()
        var markets: [Market] = []
        var results: [MarketResult] = []
        for row in try Row.fetchAll(db, sql: "SELECT body, result FROM markets ORDER BY market_id") {
            markets.append(try decoder.decode(Market.self, from: Data((row["body"] as String).utf8)))
            if let result: String = row["result"] {
                results.append(try decoder.decode(MarketResult.self, from: Data(result.utf8)))
            }
        }
        var stored: [StoredTicket] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT t.status, t.amount, t.verdict, j.kind, j.payload FROM tickets t JOIN journal j ON j.seq = t.serial
            WHERE t.serial IN (\(TicketRecord.unfinishedSerials)) ORDER BY t.serial
            """)
        while let row = try rows.next() {
            guard case .betPlaced(let bet) = try EventCoding.decode(kind: row["kind"], payload: Array(row["payload"] as Data)),
                  let status = TicketStatus(rawValue: row["status"])
            else { throw JournalOpenError.derivedStateInvalid("a ticket row does not point at a bet.placed record") }
            stored.append(StoredTicket(bet: bet, status: status, amountOwed: row["amount"],
                                       awaitingVerdict: (row["verdict"] as String?) == TicketRecord.pendingVerdict))
        }
        var book = empty
        try book.restore(markets: markets, results: results, tickets: stored)
        return book
    }
}
