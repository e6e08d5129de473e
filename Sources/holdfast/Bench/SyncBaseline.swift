import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SyncProtocol

/// The sync benchmark's database side: a clean start for the benchmark appliance, and the
/// baseline, the same rows inserted with the same batching and no protocol in between.
enum SyncBaseline {
    /// Forgets central's copy of `appliance`, so a rerun starts from an empty high-water mark
    /// (the benchmark's journal is new each run; an old copy would be a fork).
    static func resetAppliance(_ appliance: String, postgres: PostgresClient, logger: Logger) async throws {
        try await postgres.withTransaction(logger: logger) { connection in
            try await connection.query("DELETE FROM journal_records WHERE appliance = \(appliance)", logger: logger)
            try await connection.query("DELETE FROM alerts WHERE appliance = \(appliance)", logger: logger)
            try await connection.query("DELETE FROM verdicts WHERE appliance = \(appliance)", logger: logger)
            try await connection.query("DELETE FROM feed_items", logger: logger)
            try await connection.query("""
                UPDATE appliances SET head_seq = 0, head_hash = decode(repeat('00', 32), 'hex') WHERE code = \(appliance)
                """, logger: logger)
        }
    }

    static func verdictCount(_ appliance: String, postgres: PostgresClient, logger: Logger) async throws -> Int64 {
        let rows = try await postgres.query("SELECT count(*) FROM verdicts WHERE appliance = \(appliance)", logger: logger)
        for try await count in rows.decode(Int64.self) { return count }
        return 0
    }

    /// Inserts `records` into a table shaped like central's (same columns, same primary key),
    /// one transaction and one unnested INSERT per batch, as central does. Answers the time.
    static func plainInsert(_ records: [JournalRecord], batchSize: Int, postgres: PostgresClient, logger: Logger) async throws -> Duration {
        try await postgres.query("DROP TABLE IF EXISTS bench_plain_insert", logger: logger)
        try await postgres.query("""
            CREATE TABLE bench_plain_insert (
                appliance text NOT NULL, seq bigint NOT NULL, wall_ms bigint NOT NULL, mono_ns bigint NOT NULL, kind text NOT NULL,
                payload bytea NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (appliance, seq))
            """, logger: logger)
        let started = ContinuousClock.now
        var start = 0
        while start < records.count {
            let batch = records[start..<min(records.count, start + batchSize)]
            let seqs = batch.map(\.seq), walls = batch.map(\.wallMillis), monos = batch.map(\.monotonicNanos), kinds = batch.map(\.kind)
            let payloads = batch.map { ByteBuffer(bytes: $0.payload) }
            let previous = batch.map { ByteBuffer(bytes: $0.previousHash) }
            let hashes = batch.map { ByteBuffer(bytes: $0.hash) }
            _ = try await postgres.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO bench_plain_insert (appliance, seq, wall_ms, mono_ns, kind, payload, prev_hash, hash)
                    SELECT 'baseline', * FROM unnest(\(seqs)::int8[], \(walls)::int8[], \(monos)::int8[], \(kinds)::text[],
                                                     \(payloads)::bytea[], \(previous)::bytea[], \(hashes)::bytea[])
                    """, logger: logger)
            }
            start += batchSize
        }
        let elapsed = ContinuousClock.now - started
        try await postgres.query("DROP TABLE bench_plain_insert", logger: logger)
        return elapsed
    }
}

/// Central's high-water mark as the benchmark watches it, and the acknowledgement time of each
/// online bet until the mark covers it.
final class HighWaterLog: Sendable {
    private struct State {
        var reached: Int64 = 0
        var acknowledged: [Int64: ContinuousClock.Instant] = [:]
        var recoveryPoints = LatencySample()
    }
    private let state = NIOLockedValueBox(State())

    var recoveryPoints: LatencySample { state.withLockedValue { $0.recoveryPoints } }

    func acknowledged(_ seq: Int64, at instant: ContinuousClock.Instant) {
        state.withLockedValue { state in
            if seq <= state.reached {
                state.recoveryPoints.record(.zero)
            } else {
                state.acknowledged[seq] = instant
            }
        }
    }

    func reached(_ seq: Int64) {
        let now = ContinuousClock.now
        state.withLockedValue { state in
            guard seq > state.reached else { return }
            state.reached = seq
            for (pending, at) in state.acknowledged where pending <= seq {
                state.recoveryPoints.record(now - at)
                state.acknowledged[pending] = nil
            }
        }
    }

    /// Returns once the mark reaches `seq`, calling `progress` every two seconds meanwhile.
    func wait(for seq: Int64, progress: (Int64) -> Void) async {
        var lastReport = ContinuousClock.now
        while true {
            let reached = state.withLockedValue { $0.reached }
            if reached >= seq { return }
            if ContinuousClock.now - lastReport > .seconds(2) {
                progress(reached)
                lastReport = .now
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
