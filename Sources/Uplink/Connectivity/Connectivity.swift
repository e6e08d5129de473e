import NIOConcurrencyHelpers

/// The link to central as terminals, the console and metrics see it.
public enum ConnectivityState: String, Sendable, Hashable, Codable {
    /// Central answered the last request.
    case online
    /// Central has not answered since `since`, for less than the offline grace period.
    case degraded
    /// Central has not answered for the grace period or longer: offline limits apply.
    case offline
    /// Central refused this appliance's records (a fork, an unknown certificate): retrying
    /// cannot fix it; a person must. Counts as offline for intake.
    case refused
}

public struct Connectivity: Sendable, Hashable {
    public var state: ConnectivityState
    /// When the current state began, wall milliseconds.
    public var sinceMillis: Int64
    public var lastSuccessMillis: Int64?
    /// The endpoint in use, and the last failure, for the console.
    public var endpoint: String
    public var lastError: String?
    /// The last record central acknowledged as durable, and this appliance's journal head.
    public var centralHighWater: Int64?
    public var localHead: Int64?
    /// This appliance's wall clock minus central's, from the last answer (half the round trip
    /// taken as the answer's age); positive: this clock is ahead.
    public var clockDriftMillis: Int64?

    /// Records journaled here that central has not yet acknowledged.
    public var backlog: Int64? {
        guard let centralHighWater, let localHead else { return nil }
        return max(0, localHead - centralHighWater)
    }
}

/// Turns request outcomes into the connectivity state. One success makes the link online; a
/// failure makes it degraded; degraded for `offlineGrace` (from the last success, or from start)
/// makes it offline.
final class ConnectivityTracker: Sendable {
    private let state: NIOLockedValueBox<Connectivity>
    private let offlineGraceMillis: Int64

    /// `lastSuccessMillis`: when central last answered before this start (see ``LastContactFile``),
    /// so an appliance rebooted while offline is offline from then, not from the reboot.
    init(endpoint: String, offlineGrace: Duration, nowMillis: Int64, lastSuccessMillis: Int64? = nil) {
        offlineGraceMillis = Int64(offlineGrace / .milliseconds(1))
        var link = Connectivity(state: .degraded, sinceMillis: nowMillis, lastSuccessMillis: lastSuccessMillis, endpoint: endpoint)
        Self.applyGrace(&link, grace: offlineGraceMillis, nowMillis: nowMillis)
        state = NIOLockedValueBox(link)
    }

    var current: Connectivity { state.withLockedValue { $0 } }

    /// Answers the state before and after, so the caller can report a change.
    @discardableResult
    func succeeded(endpoint: String, highWater: Int64, localHead: Int64?, clockDriftMillis: Int64?, nowMillis: Int64) -> (ConnectivityState, ConnectivityState) {
        state.withLockedValue { link in
            let before = link.state
            if before != .online { link.sinceMillis = nowMillis }
            link.state = .online
            link.lastSuccessMillis = nowMillis
            link.endpoint = endpoint
            link.lastError = nil
            link.centralHighWater = highWater
            if let localHead { link.localHead = localHead }
            if let clockDriftMillis { link.clockDriftMillis = clockDriftMillis }
            return (before, .online)
        }
    }

    @discardableResult
    func failed(endpoint: String, error: String, nowMillis: Int64) -> (ConnectivityState, ConnectivityState) {
        state.withLockedValue { link in
            let before = link.state
            link.endpoint = endpoint
            link.lastError = error
            if before == .online {
                link.state = .degraded
                link.sinceMillis = nowMillis
            }
            Self.applyGrace(&link, grace: offlineGraceMillis, nowMillis: nowMillis)
            return (before, link.state)
        }
    }

    /// Central refused the appliance's records; stays so until a request succeeds. Refused counts
    /// as offline for intake, and central has taken nothing since it was last reached, so from
    /// degraded or offline the state keeps the silence's start: the time-offline limit runs on,
    /// rather than starting again at the refusal.
    @discardableResult
    func refused(endpoint: String, error: String, nowMillis: Int64) -> (ConnectivityState, ConnectivityState) {
        state.withLockedValue { link in
            let before = link.state
            switch before {
            case .online: link.sinceMillis = nowMillis
            case .degraded, .offline: link.sinceMillis = link.lastSuccessMillis ?? link.sinceMillis
            case .refused: break
            }
            link.state = .refused
            link.endpoint = endpoint
            link.lastError = error
            return (before, .refused)
        }
    }

    /// Moves degraded to offline once the grace period has run out, without a request.
    @discardableResult
    func tick(nowMillis: Int64) -> (ConnectivityState, ConnectivityState) {
        state.withLockedValue { link in
            let before = link.state
            Self.applyGrace(&link, grace: offlineGraceMillis, nowMillis: nowMillis)
            return (before, link.state)
        }
    }

    func noteLocalHead(_ head: Int64) {
        state.withLockedValue { $0.localHead = head }
    }

    private static func applyGrace(_ link: inout Connectivity, grace: Int64, nowMillis: Int64) {
        guard link.state == .degraded else { return }
        let silentSince = link.lastSuccessMillis ?? link.sinceMillis
        if nowMillis - silentSince >= grace {
            link.state = .offline
            link.sinceMillis = silentSince
        }
    }
}
