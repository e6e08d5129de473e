import Metrics
import Power

/// Power supervision as Prometheus sees it.
struct PowerMetrics: Sendable {
    /// 0 unknown, 1 mains, 2 on battery, 3 shutting down, 4 powering off.
    let state = Gauge(label: "holdfast_power_state")
    let sourceStale = Gauge(label: "holdfast_power_source_stale")
    let powerToSafe = Metrics.Timer(label: "holdfast_power_to_safe_seconds")

    func record(_ state: PowerSupervisor.State, sourceStale stale: Bool) {
        let code = switch state {
        case .unknown: 0
        case .mains: 1
        case .onBattery: 2
        case .shuttingDown: 3
        case .poweringOff: 4
        }
        self.state.record(code)
        sourceStale.record(stale ? 1 : 0)
    }

    func count(_ action: PowerSupervisor.Action) {
        let name = switch action {
        case .onMains: "mains"
        case .wentOnBattery: "on_battery"
        case .onBatteryAlert: "on_battery_alert"
        case .closeIntake: "shutting_down"
        case .resumed: "resumed"
        case .runShutdownCommand: "shutdown_command"
        case .sourceStale: "source_stale"
        case .sourceHealthy: "source_healthy"
        }
        Counter(label: "holdfast_power_transitions_total", dimensions: [("action", name)]).increment()
    }
}
