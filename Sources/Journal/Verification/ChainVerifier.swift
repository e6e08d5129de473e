import Foundation
import GRDB
import SyncProtocol

/// The first thing wrong with a journal, by record.
public struct VerificationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// Record `seq` is missing: the next record present has a later number.
        case missing(nextPresent: Int64)
        /// The record's stored hash is not the hash of its contents: it was altered.
        case hashMismatch
        /// The record does not continue the chain: the one before it was altered, removed or swapped.
        case previousHashMismatch
        /// The verified checkpoint's record is gone or changed since it was verified.
        case checkpointMismatch
        /// The derived tables disagree with a replay of the records.
        case derivedStateMismatch(String)
        /// A record's payload cannot be read as its kind says.
        case undecodable(String)
    }

    public var seq: Int64
    public var problem: Problem

    public init(seq: Int64, problem: Problem) {
        self.seq = seq
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing(let next): "record \(seq) is missing (the next record present is \(next))"
        case .hashMismatch: "record \(seq) was altered: its contents no longer match its hash"
        case .previousHashMismatch: "record \(seq) does not follow record \(seq - 1): a record was altered, removed or reordered"
        case .checkpointMismatch: "record \(seq), verified earlier, is gone or changed"
        case .derivedStateMismatch(let what): "derived state disagrees with the records up to \(seq): \(what)"
        case .undecodable(let why): "record \(seq) cannot be read: \(why)"
        }
    }
}

/// What a successful verification covered.
public struct VerificationReport: Sendable, Hashable {
    /// First record checked (1 for a full verification).
    public var fromSeq: Int64
    public var headSeq: Int64
    public var recordsChecked: Int64
    public var headHash: [UInt8]
}

/// Walks the chain: contiguous sequence numbers, each record's hash recomputed, each previous
/// hash equal to the record before's hash.
enum ChainVerifier {
    /// Verifies from the checkpoint (or from the first record when `checkpoint` is nil) to the head.
    /// `progress` is called every `progressInterval` records with the count checked so far.
    static func verify(_ db: Database, from checkpoint: HeadMarker.Head?, progressInterval: Int64 = 100_000,
                       progress: ((Int64) -> Void)? = nil) throws -> Result<VerificationReport, VerificationFailure> {
        var walker = ChainWalker()
        if let checkpoint, checkpoint.seq > 0 {
            guard let record = try JournalReader.record(checkpoint.seq, db), record.hash == checkpoint.hash, record.isIntact
            else { return .failure(VerificationFailure(seq: checkpoint.seq, problem: .checkpointMismatch)) }
            walker = ChainWalker(after: SyncHead(seq: checkpoint.seq, hash: checkpoint.hash))
        }
        let from = walker.nextSeq
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM journal WHERE seq >= ? ORDER BY seq", arguments: [from])
        while let row = try rows.next() {
            switch walker.step(JournalReader.journalRecord(row)) {
            case nil: break
            case .missing(let expected, let found):
                return .failure(VerificationFailure(seq: expected, problem: .missing(nextPresent: found)))
            case .previousHashMismatch(let seq): return .failure(VerificationFailure(seq: seq, problem: .previousHashMismatch))
            case .hashMismatch(let seq): return .failure(VerificationFailure(seq: seq, problem: .hashMismatch))
            }
            if walker.recordsChecked % progressInterval == 0 { progress?(walker.recordsChecked) }
        }
        return .success(VerificationReport(fromSeq: from, headSeq: walker.nextSeq - 1, recordsChecked: walker.recordsChecked,
                                           headHash: walker.headHash))
    }

    static func checkpoint(_ db: Database) throws -> HeadMarker.Head? {
        try Row.fetchOne(db, sql: "SELECT seq, hash FROM verified_checkpoint WHERE id = 1")
            .map { HeadMarker.Head(seq: $0["seq"], hash: Array($0["hash"] as Data)) }
    }

    static func saveCheckpoint(_ head: HeadMarker.Head, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO verified_checkpoint (id, seq, hash) VALUES (1, ?, ?)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
            """, arguments: [head.seq, Data(head.hash)])
    }
}
