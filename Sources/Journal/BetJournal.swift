import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
public import SyncProtocol
public import Wagering

/// The durable bet journal: a hash-chained, append-only record of every fact on the appliance, in
/// SQLite (WAL, `synchronous=FULL`), with the book's state derived from it.
///
/// Commands go through a bounded queue to one writer that commits them in batches (group commit):
/// each `async` call returns only after the transaction holding its record has been fsynced, so an
/// acknowledgement always means "on stable storage" (ARCHITECTURE.md, invariant 1).
public final class BetJournal: Sendable {
    public let configuration: JournalConfiguration
    let pool: DatabasePool
    private let queue: SubmissionQueue
    private let writer: LedgerWriter
    private let writerLoop: Task<Void, Never>
    private let metrics: JournalMetrics
    private let logger: Logger
    /// Wakes readers waiting for records (the uplink) after every commit.
    public let commits: CommitWatch
    /// Offline bets central has not yet acknowledged, for the offline limits.
    public var offline: OfflineLedger { writer.offline }
    private let health: WriteHealth
    /// Set while batches fail to commit (nil while the journal writes): readiness reports it.
    public var writeFailure: JournalWriteFailure? { health.current }
    /// The writer connection's own `max_page_count` while the disk-full drill caps it.
    let growthCap = NIOLockedValueBox<Int64?>(nil)
    /// Keeps the WAL short from a connection of its own, off the writer's path.
    let checkpointer: WALCheckpointer

    init(configuration: JournalConfiguration, pool: DatabasePool, writer: LedgerWriter, checkpointer: WALCheckpointer, logger: Logger) {
        self.configuration = configuration
        self.pool = pool
        self.writer = writer
        self.checkpointer = checkpointer
        self.logger = logger
        let queue = SubmissionQueue(capacity: configuration.queueCapacity, maxBatch: configuration.maxBatch,
                                    groupCommitDelay: configuration.groupCommitDelay)
        let metrics = JournalMetrics()
        let commits = CommitWatch(head: writer.head.seq)
        let health = WriteHealth(logger: logger)
        self.health = health
        self.queue = queue
        self.metrics = metrics
        self.commits = commits
        self.writerLoop = Task {
            await BetJournal.runWriter(queue: queue, pool: pool, writer: writer, checkpointer: checkpointer, configuration: configuration,
                                       metrics: metrics, commits: commits, health: health)
        }
    }

    // MARK: Commands

    /// Places a bet. Retrying with the same terminal and idempotency key returns the original
    /// ticket (`isReplay`), never a second bet.
    public func place(_ request: BetRequest) async throws(JournalError) -> PlacementReceipt {
        guard case .placed(let receipt) = try await submit(.place(request)) else { preconditionFailure("place answers a receipt") }
        return receipt
    }

    /// Any other command; answers the journaled fact.
    @discardableResult
    public func apply(_ command: JournalCommand) async throws(JournalError) -> JournaledFact {
        guard case .journaled(let fact) = try await submit(command) else { preconditionFailure("bets go through place(_:)") }
        return fact
    }

    public func submit(_ command: JournalCommand) async throws(JournalError) -> CommandOutcome {
        try await queue.submit(command).get()
    }

    // MARK: Reads

    public func ticket(_ id: TicketID) async throws -> TicketRecord? {
        try await pool.read { try JournalReader.ticket(id, $0) }
    }

    /// Records after `seq`, in order, at most `limit` (for tailing and for sync).
    public func records(after seq: Int64, limit: Int) async throws -> [JournalRecord] {
        try await pool.read { try JournalReader.records(after: seq, limit: limit, $0) }
    }

    /// The hash of record `seq`, or nil when there is none.
    public func hash(of seq: Int64) async throws -> [UInt8]? {
        try await pool.read { try JournalReader.record(seq, $0)?.hash }
    }

    /// The last committed record's seq and hash.
    public func head() async throws -> SyncHead {
        try await pool.read { let head = try JournalReader.head($0); return SyncHead(seq: head.seq, hash: head.hash) }
    }

    public func headSeq() async throws -> Int64 {
        try await pool.read { try JournalReader.head($0).seq }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL). Read on the writer, because a
    /// reader connection reports its own setting.
    public func writerSynchronousMode() async throws -> Int {
        try await pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The book as the writer holds it after the last committed batch: a copy of every open
    /// ticket, so not for every request (the API reads ``board()`` and ``openTicketCount()``).
    public func book() async throws -> Book {
        try await pool.writeWithoutTransaction { [writer] _ in writer.book }
    }

    /// The board as of the last committed batch.
    public func board() -> Board { writer.committedBoard.board }

    /// The board as of the last committed batch, with that batch's head: its version.
    public func versionedBoard() -> (board: Board, headSeq: Int64) { writer.committedBoard }

    /// Open tickets as of the last committed batch; tickets awaiting payout are not counted
    /// here, though `maxOpenTickets` counts them (the book holds both).
    public func openTicketCount() -> Int { writer.committedOpenTickets }

    // MARK: Maintenance

    /// Checkpoints the WAL into the database file and truncates it (before a shutdown or backup).
    public func checkpointWAL() async throws {
        _ = try await pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
    }

    /// Sets how long the writer waits to gather a batch; zero on battery power.
    public func setGroupCommitDelay(_ delay: Duration) async {
        await queue.setGroupCommitDelay(delay)
    }

    /// Stops intake, commits everything already queued, checkpoints the WAL and closes the
    /// database. Commands submitted after this are refused with `.closed`.
    public func close() async {
        await queue.close()
        await writerLoop.value
        try? await pool.writeWithoutTransaction { [checkpointer] in checkpointer.unwatch($0) }
        await checkpointer.stop()
        do { try await checkpointWAL() } catch {
            logger.warning("journal closed without a clean checkpoint; SQLite recovers the WAL at next open",
                           metadata: ["error": "\(error)"])
        }
        // Closed even when the checkpoint failed (a failing disk): the connections must not outlive the journal.
        do { try pool.close() } catch {
            logger.warning("journal connections did not close cleanly", metadata: ["error": "\(error)"])
        }
        logger.info("journal closed")
    }

    private static func runWriter(queue: SubmissionQueue, pool: DatabasePool, writer: LedgerWriter, checkpointer: WALCheckpointer,
                                  configuration: JournalConfiguration, metrics: JournalMetrics, commits: CommitWatch,
                                  health: WriteHealth) async {
        while var batch = await queue.nextBatch() {
            let delay = await queue.groupCommitDelay
            if delay > .zero, batch.count < configuration.maxBatch {
                try? await Task.sleep(for: delay)
                batch += await queue.drain(upTo: configuration.maxBatch - batch.count)
            }
            metrics.queueDepth.record(await queue.depth)
            metrics.batchSize.record(batch.count)
            let commands = batch.map(\.command)
            let started = ContinuousClock.now
            var outcomes: [Result<CommandOutcome, JournalError>]
            var wrote = false
            do {
                let before: Int64, after: Int64
                (outcomes, before, after) = try await pool.writeWithoutTransaction { db in
                    let before = writer.head.seq
                    return (writer.commit(commands, db: db), before, writer.head.seq)
                }
                wrote = after > before
                commits.advance(to: after)
                metrics.headSeq.record(after)
            } catch {
                outcomes = commands.map { _ in .failure(.storage(JournalError.storageReason(error))) }
            }
            metrics.commitDuration.record(duration: ContinuousClock.now - started)
            metrics.count(outcomes)
            // A storage failure fails the whole batch, so its first outcome tells. A batch of
            // only refusals and retries writes nothing and commits even on a full disk, so it
            // says nothing about the disk: only a batch that wrote ends a failure.
            if case .failure(.storage(let reason))? = outcomes.first {
                health.batchFailed(reason, atWallMillis: writer.wallMillis())
            } else if wrote {
                health.batchCommitted()
            }
            for (submission, outcome) in zip(batch, outcomes) {
                submission.continuation.resume(returning: outcome)
            }
            // After the acknowledgements, so no bet waits for it.
            if checkpointer.takeTopUp() {
                try? await pool.writeWithoutTransaction { WALCheckpointer.topUp($0) }
            }
        }
    }
}
