import GRDB
import Synchronization

extension BetJournal {
    /// Caps the database at the pages it has now, on the writer connection only: the next batch
    /// that needs a new page fails with SQLite's own `SQLITE_FULL` ("database or disk is full"),
    /// the error a full disk gives, without filling the appliance's real disk. For the disk-full
    /// drill; ``liftGrowthCap()`` ends it, and a restart does too (the cap is per connection).
    /// Answers the page count the journal is held to.
    public func capGrowth() async throws -> Int64 {
        try await pool.writeWithoutTransaction { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let own = try Int64.fetchOne(db, sql: "PRAGMA max_page_count") ?? 0
            growthCap.withLockedValue { if $0 == nil { $0 = own } }
            // SQLite never sets the cap below the current size, so this is exactly "no growth".
            return try Int64.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)") ?? pages
        }
    }

    /// Puts back the writer connection's own page limit; false when no cap was in force.
    @discardableResult
    public func liftGrowthCap() async throws -> Bool {
        guard let own = growthCap.withLockedValue({ cap in defer { cap = nil }; return cap }) else { return false }
        try await pool.writeWithoutTransaction { db in _ = try Int64.fetchOne(db, sql: "PRAGMA max_page_count = \(own)") }
        return true
    }
}
