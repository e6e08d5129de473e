import Metrics

/// The uplink's figures for Prometheus: state, backlog, pushes, failures by kind, and how old
/// records are when central acknowledges them (the off-box recovery point).
struct UplinkMetrics: Sendable {
    private let state = Gauge(label: "holdfast_uplink_state")
    private let backlog = Gauge(label: "holdfast_sync_backlog_records")
    private let highWater = Gauge(label: "holdfast_sync_central_high_water")
    private let pushedRecords = Counter(label: "holdfast_sync_records_pushed_total")
    private let resentRecords = Counter(label: "holdfast_sync_records_resent_total")
    private let pushDuration = Timer(label: "holdfast_sync_push_duration_seconds")
    private let recoveryPoint = Timer(label: "holdfast_sync_record_age_at_ack_seconds")

    func pushed(_ count: Int, stored: Int, duration: Duration, oldestAgeMillis: Int64) {
        pushedRecords.increment(by: stored)
        resentRecords.increment(by: max(0, count - stored))
        pushDuration.record(duration: duration)
        recoveryPoint.recordMilliseconds(max(0, oldestAgeMillis))
    }

    func failed(_ error: UplinkError) {
        let kind = switch error {
        case .unreachable: "unreachable"
        case .badAnswer: "bad_answer"
        case .refused(let problem): problem.type.rawValue.split(separator: "/").last.map(String.init) ?? "refused"
        }
        Counter(label: "holdfast_sync_failures_total", dimensions: [("kind", kind)]).increment()
    }

    func observe(_ link: Connectivity) {
        // online 3, offline 1, refused 0: higher is healthier, for alert rules (2 was "degraded",
        // a grace period that no longer exists: docs/adr/0013-online-means-fresh.md).
        let health = switch link.state {
        case .online: 3
        case .offline: 1
        case .refused: 0
        }
        state.record(health)
        if let centralHighWater = link.centralHighWater { highWater.record(centralHighWater) }
        if let pending = link.backlog { backlog.record(pending) }
    }
}
