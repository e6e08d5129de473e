import NIOConcurrencyHelpers

/// A rehearsed uplink failure: the uplink behaves as if the network had failed (every request to
/// central, or to the endpoint in use, fails before it is sent) so connectivity, the offline
/// limits, failover and catch-up all run for real, and nothing is cut.
public enum UplinkDrill: String, Sendable, Hashable, CaseIterable, Codable {
    /// Central unreachable on every endpoint: offline from the first failed request.
    case uplinkLoss = "uplink-loss"
    /// The endpoint in use fails: the uplink fails over to the next.
    case centralFailover = "central-failover"
}

/// The drill running, and for a failover drill the endpoint it fails.
final class DrillState: Sendable {
    private let state = NIOLockedValueBox<(drill: UplinkDrill, failing: String?)?>(nil)

    var current: UplinkDrill? { state.withLockedValue { $0?.drill } }

    func start(_ drill: UplinkDrill, endpointInUse: String) -> Bool {
        state.withLockedValue { state in
            guard state == nil else { return false }
            state = (drill, drill == .centralFailover ? endpointInUse : nil)
            return true
        }
    }

    func end() -> UplinkDrill? {
        state.withLockedValue { state in
            defer { state = nil }
            return state?.drill
        }
    }

    /// Throws the rehearsed failure for a request to `endpoint`, if the drill fails it.
    func check(_ endpoint: String) throws(UplinkError) {
        guard let (drill, failing) = state.withLockedValue({ $0 }) else { return }
        switch drill {
        case .uplinkLoss: throw .unreachable("drill: uplink loss rehearsed, nothing was cut")
        case .centralFailover where failing == endpoint: throw .unreachable("drill: endpoint \(endpoint) rehearsed as failed")
        case .centralFailover: return
        }
    }
}
