import Foundation
import GRDB
import Wagering

/// Writes each market's change count into the markets table from the journal's market records,
/// once, when a journal from before the count existed is migrated (schema v6). Without it the
/// table would say 0 where a replay of the records says how often the market changed, and a full
/// verify, a backup (which verifies) and a rebuild would disagree with the running book.
///
/// Only the market records are replayed, through a board of its own: the count depends on
/// nothing else. A journal of millions of bets reads each record's kind once.
enum MarketChangeCounts {
    static func recount(_ db: Database) throws {
        var board = Board()
        let records = try Row.fetchCursor(db, sql: """
            SELECT kind, payload FROM journal
            WHERE kind IN ('market.published', 'market.status_changed', 'market.selection_withdrawn', 'market.resulted')
            ORDER BY seq
            """)
        while let row = try records.next() {
            // A record the board refused when it was journaled never happened; skipping it here
            // keeps the count as the book's.
            switch try EventCoding.decode(kind: row["kind"], payload: Array(row["payload"] as Data)) {
            case .marketPublished(let market): _ = try? board.publish(market)
            case .marketStatusChanged(let change): try? board.setStatus(of: change.marketID, to: change.status, inPlay: change.inPlay)
            case .selectionWithdrawn(let withdrawal): try? board.withdraw(withdrawal.selectionID)
            case .marketResulted(let result): try? board.setStatus(of: result.marketID, to: .settled)
            default: continue
            }
        }
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        for row in try Row.fetchAll(db, sql: "SELECT market_id, body FROM markets") {
            var stored = try decoder.decode(Market.self, from: Data((row["body"] as String).utf8))
            guard let replayed = board.market(stored.id), replayed.changeCount != stored.changeCount else { continue }
            stored.changeCount = replayed.changeCount
            try db.execute(sql: "UPDATE markets SET body = ? WHERE market_id = ?",
                           arguments: [String(decoding: try encoder.encode(stored), as: UTF8.self), row["market_id"] as String])
        }
    }
}
