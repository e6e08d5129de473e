import Metrics

/// The journal's swift-metrics instruments. Names follow Prometheus conventions.
struct JournalMetrics: Sendable {
    let acknowledged = Counter(label: "holdfast_journal_commands_acknowledged_total")
    let refused = Counter(label: "holdfast_journal_commands_refused_total")
    let failed = Counter(label: "holdfast_journal_commands_failed_total")
    let batchSize = Recorder(label: "holdfast_journal_batch_size", aggregate: true)
    let commitDuration = Metrics.Timer(label: "holdfast_journal_commit_duration_seconds")
    let queueDepth = Gauge(label: "holdfast_journal_queue_depth")
    let headSeq = Gauge(label: "holdfast_journal_head_seq")

    func count(_ outcomes: [Result<CommandOutcome, JournalError>]) {
        for outcome in outcomes {
            switch outcome {
            case .success: acknowledged.increment()
            case .failure(.storage): failed.increment()
            case .failure: refused.increment()
            }
        }
    }
}
