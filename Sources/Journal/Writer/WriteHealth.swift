import Logging
import Metrics
import NIOConcurrencyHelpers

/// Why the journal cannot write, since when: a full disk, a failing SD card, a lock another
/// process holds past the busy timeout. Every bet is refused while it lasts (nothing is
/// acknowledged that is not on disk), and it ends with the first batch that commits.
public struct JournalWriteFailure: Sendable, Equatable, CustomStringConvertible {
    /// SQLite's message for the last failed batch ("database or disk is full", ...).
    public var reason: String
    /// Wall time of the first failed batch.
    public var sinceWallMillis: Int64
    /// Batches failed since then.
    public var failedBatches: Int

    public var description: String { "the journal cannot write: \(reason)" }
}

/// The writer's record of whether its last batch committed. Written by the writer loop only;
/// read by anyone (readiness, the health monitor, the console).
final class WriteHealth: Sendable {
    private let failure = NIOLockedValueBox<JournalWriteFailure?>(nil)
    private let writable = Gauge(label: "holdfast_journal_writable")
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        writable.record(1)
    }

    var current: JournalWriteFailure? { failure.withLockedValue { $0 } }

    func batchFailed(_ reason: String, atWallMillis now: Int64) {
        let started = failure.withLockedValue { state -> Bool in
            if state == nil {
                state = JournalWriteFailure(reason: reason, sinceWallMillis: now, failedBatches: 1)
                return true
            }
            state?.reason = reason
            state?.failedBatches += 1
            return false
        }
        if started {
            writable.record(0)
            logger.critical("the journal cannot write: every bet is refused until it can", metadata: ["reason": "\(reason)"])
        }
    }

    func batchCommitted() {
        guard let ended = failure.withLockedValue({ state in defer { state = nil }; return state }) else { return }
        writable.record(1)
        logger.notice("the journal writes again", metadata: ["failed_batches": "\(ended.failedBatches)", "reason_was": "\(ended.reason)"])
    }
}
