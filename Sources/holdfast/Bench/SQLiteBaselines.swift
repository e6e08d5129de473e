import Foundation
import GRDB

/// The raw SQLite figures the journal is compared with, on the same disk and with the same
/// pragmas (WAL; synchronous set on the writer after GRDB's own setup, as the journal does):
/// rows shaped like journal records inserted through a cached statement, no hashing, no book.
struct SQLiteBaselines {
    let directory: String
    /// A real record payload from the journal run, so rows are the same size.
    let payload: Data

    /// One row per transaction for `duration`.
    func oneRowPerTransaction(synchronous: String, duration: Duration) throws -> RunFigures {
        try insert(batchSize: 1, synchronous: synchronous, duration: duration)
    }

    /// `batchSize` rows per transaction for `duration`; latency is per transaction.
    func batched(_ batchSize: Int, duration: Duration) throws -> RunFigures {
        try insert(batchSize: batchSize, synchronous: "FULL", duration: duration)
    }

    private func insert(batchSize: Int, synchronous: String, duration: Duration) throws -> RunFigures {
        let path = directory + "/baseline-\(batchSize)-\(synchronous).sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let pool = try DatabasePool(path: path)
        defer { try? pool.close() }
        let mode = try pool.writeWithoutTransaction { db -> String? in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            try db.execute(sql: """
                CREATE TABLE journal (seq INTEGER PRIMARY KEY, wall_ms INTEGER NOT NULL, mono_ns INTEGER NOT NULL,
                    kind TEXT NOT NULL, payload BLOB NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL)
                """)
            return try String.fetchOne(db, sql: "PRAGMA synchronous")
        }
        precondition(mode == (synchronous == "FULL" ? "2" : "1"), "baseline synchronous mode is \(mode ?? "unset")")
        let hash = Data(repeating: 0xAB, count: 32)
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        let started = clock.now
        var latency = LatencySample()
        var seq: Int64 = 0
        while clock.now < deadline {
            let transactionStart = clock.now
            try pool.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?)")
                for _ in 0..<batchSize {
                    seq += 1
                    try statement.execute(arguments: [seq, 1_795_867_200_000 + seq, seq * 1_000, "bet.placed", payload, hash, hash])
                }
            }
            latency.record(clock.now - transactionStart)
        }
        return RunFigures(operations: Int(seq), elapsed: clock.now - started, latency: latency)
    }
}
