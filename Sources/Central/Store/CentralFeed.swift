import Foundation
import Logging
import PostgresNIO
public import SyncProtocol
import Wagering

/// The feed central publishes to venues: markets, prices, statuses, results, and verdicts for
/// one appliance. Items get their cursor under an advisory lock held until commit, so cursor
/// order is commit order: a reader that has seen cursor N never later finds an N-1 appear.
extension CentralStore {
    static let feedLockKey: Int64 = 0x4665_6564

    /// Publishes `change` to every appliance at `venue` (or only to `appliance`); answers its cursor.
    @discardableResult
    public func publish(_ change: FeedChange, venue: String, appliance: String? = nil) async throws -> Int64 {
        try await client.withTransaction(logger: logger) { connection in
            try await insertFeedItem(change, venue: venue, appliance: appliance, connection)
        }
    }

    /// Publishes `changes` in order in one transaction; answers their cursors.
    @discardableResult
    public func publish(_ changes: [FeedChange], venue: String) async throws -> [Int64] {
        try await client.withTransaction(logger: logger) { connection in
            try await insertFeedItems(changes, venue: venue, appliance: nil, connection)
        }
    }

    func insertFeedItem(_ change: FeedChange, venue: String, appliance: String?, _ connection: PostgresConnection) async throws -> Int64 {
        guard let cursor = try await insertFeedItems([change], venue: venue, appliance: appliance, connection).last else {
            preconditionFailure("one item inserted answers one cursor")
        }
        return cursor
    }

    /// Inserts the items in order, in one statement; answers their cursors.
    @discardableResult
    func insertFeedItems(_ changes: [FeedChange], venue: String, appliance: String?, _ connection: PostgresConnection) async throws -> [Int64] {
        guard !changes.isEmpty else { return [] }
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.feedLockKey))", logger: logger)
        let kinds = changes.map(\.kind)
        let bodies = try changes.map(Self.body(of:))
        let rows = try await connection.query("""
            INSERT INTO feed_items (venue, appliance, kind, body)
            SELECT \(venue), \(appliance), kind, body::jsonb FROM unnest(\(kinds)::text[], \(bodies)::text[]) WITH ORDINALITY AS i(kind, body, n)
            ORDER BY n
            RETURNING cursor
            """, logger: logger)
        var cursors: [Int64] = []
        for try await cursor in rows.decode(Int64.self) { cursors.append(cursor) }
        return cursors.sorted()
    }

    /// The items for `appliance` after `cursor`, oldest first, at most `limit`.
    public func feed(for appliance: EnrolledAppliance, after cursor: Int64, limit: Int = FeedPage.maxItems) async throws -> [FeedItem] {
        let rows = try await client.query("""
            SELECT cursor, kind, body::text FROM feed_items
            WHERE venue = \(appliance.venue) AND (appliance IS NULL OR appliance = \(appliance.code)) AND cursor > \(cursor)
            ORDER BY cursor LIMIT \(limit)
            """, logger: logger)
        var items: [FeedItem] = []
        for try await (cursor, kind, body) in rows.decode((Int64, String, String).self) {
            items.append(try Self.feedItem(cursor: cursor, kind: kind, body: body))
        }
        return items
    }

    /// A stored row as the item it is: the body is kept as its wire JSON, so the row is put back
    /// into the item's wire form and decoded with the one decoder both sides use.
    static func feedItem(cursor: Int64, kind: String, body: String) throws -> FeedItem {
        let wire = #"{"cursor":\#(cursor),"kind":"\#(kind)","body":\#(body)}"#
        return try JSONDecoder().decode(FeedItem.self, from: Data(wire.utf8))
    }

    /// The body as stored: the item's wire form without cursor and kind.
    static func body(of change: FeedChange) throws -> String {
        String(decoding: try change.encodedBody(), as: UTF8.self)
    }

    /// Every board change central published to `venue` up to `millis` (results included), in
    /// cursor order, for working out what a market looked like when an offline bet was placed.
    func boardTimeline(venue: String, upToMillis millis: Int64, _ connection: PostgresConnection) async throws -> BoardTimeline {
        try await timeline("""
            SELECT cursor, kind, body::text, (extract(epoch FROM published_at) * 1000)::int8 FROM feed_items
            WHERE venue = \(venue) AND appliance IS NULL AND published_at <= to_timestamp(\(Double(millis) / 1_000))
              AND kind IN ('market.published', 'market.status_changed', 'market.price_changed', 'market.resulted')
            ORDER BY cursor
            """, connection)
    }
}

extension CentralStore {
    /// ``boardTimeline(venue:upToMillis:_:)`` for only these markets and selections: an in-play
    /// audit needs a few markets' history, not the venue's, and reads and decodes only theirs.
    /// (The scan is still over the venue's rows; an index by market is issue 29's, with the
    /// offline verdicts' own timeline.)
    func marketTimeline(venue: String, markets: Set<MarketID>, selections: Set<SelectionID>, upToMillis millis: Int64,
                        _ connection: PostgresConnection) async throws -> BoardTimeline {
        let marketIDs = markets.map(\.rawValue)
        let selectionIDs = selections.map(\.rawValue)
        return try await timeline("""
            SELECT cursor, kind, body::text, (extract(epoch FROM published_at) * 1000)::int8 FROM feed_items
            WHERE venue = \(venue) AND appliance IS NULL AND published_at <= to_timestamp(\(Double(millis) / 1_000))
              AND ((kind = 'market.published' AND body->>'id' = ANY(\(marketIDs)))
                OR (kind = 'market.status_changed' AND body->>'market' = ANY(\(marketIDs)))
                OR (kind = 'market.resulted' AND body->>'marketID' = ANY(\(marketIDs)))
                OR (kind = 'market.price_changed' AND body->>'selection' = ANY(\(selectionIDs))))
            ORDER BY cursor
            """, connection)
    }

    /// The changes a timeline query selects (cursor, kind, body, published at in ms), in its order.
    private func timeline(_ query: PostgresQuery, _ connection: PostgresConnection) async throws -> BoardTimeline {
        let rows = try await connection.query(query, logger: logger)
        var changes: [(millis: Int64, change: FeedChange)] = []
        for try await (cursor, kind, body, at) in rows.decode((Int64, String, String, Int64).self) {
            changes.append((at, try Self.feedItem(cursor: cursor, kind: kind, body: body).change))
        }
        return BoardTimeline(changes: changes)
    }
}

/// The board changes central published, in order, replayed up to a moment.
struct BoardTimeline {
    let changes: [(millis: Int64, change: FeedChange)]

    /// Each of `bet`'s markets as central had it when the bet was placed.
    func board(for bet: VerdictRules.OfflineBet) -> [MarketID: Market] {
        let markets = Set(bet.legs.map(\.marketID))
        var board: [MarketID: Market] = [:]
        for (millis, change) in changes where millis <= bet.placedAtMillis {
            switch change {
            case .marketPublished(let market) where markets.contains(market.id): board[market.id] = market
            case .statusChanged(let market, let status, let inPlay) where markets.contains(market):
                board[market]?.status = status
                if let inPlay { board[market]?.inPlay = inPlay }
            case .resulted(let result) where markets.contains(result.marketID):
                board[result.marketID]?.status = .settled
            case .priceChanged(let selection, let odds):
                for (id, var market) in board {
                    guard let index = market.selections.firstIndex(where: { $0.id == selection }) else { continue }
                    market.selections[index].odds = odds
                    board[id] = market
                }
            default: continue
            }
        }
        return board
    }
}
