/// `GET /v1/appliance`: what a kiosk shows in its banner ("offline", "on battery") and whether it
/// may offer bets at all.
public struct ApplianceStateView: Codable, Sendable, Hashable {
    /// "recovering", "online", "offline", "on_battery" or "shutting_down".
    public var mode: String
    public var intakeOpen: Bool
    /// Why bets are refused, when they are.
    public var intakeClosedReason: String?
    public var power: PowerView
    public var uplink: UplinkView
    public var boardVersion: Int64
    public var journalHeadSeq: Int64
    public var openTickets: Int
    /// The offline limits and what is left of them; absent on an appliance without central.
    public var offline: OfflineStateView?

    public init(mode: String, intakeOpen: Bool, intakeClosedReason: String?, power: PowerView, uplink: UplinkView,
                boardVersion: Int64, journalHeadSeq: Int64, openTickets: Int, offline: OfflineStateView? = nil) {
        self.mode = mode
        self.intakeOpen = intakeOpen
        self.intakeClosedReason = intakeClosedReason
        self.power = power
        self.uplink = uplink
        self.boardVersion = boardVersion
        self.journalHeadSeq = journalHeadSeq
        self.openTickets = openTickets
        self.offline = offline
    }
}

/// What a kiosk may still take while central is unreachable.
public struct OfflineStateView: Codable, Sendable, Hashable {
    /// True while the offline limits apply (the uplink is offline or refused).
    public var applies: Bool
    public var maxStakePerBet: MoneyView
    /// Worst-case loss still allowed on offline bets central has not acknowledged.
    public var liabilityRemaining: MoneyView
    public var betsRemaining: Int
    /// While offline: seconds until offline bets are refused altogether (0: they are).
    public var secondsRemaining: Int64?

    public init(applies: Bool, maxStakePerBet: MoneyView, liabilityRemaining: MoneyView, betsRemaining: Int, secondsRemaining: Int64?) {
        self.applies = applies
        self.maxStakePerBet = maxStakePerBet
        self.liabilityRemaining = liabilityRemaining
        self.betsRemaining = betsRemaining
        self.secondsRemaining = secondsRemaining
    }
}

public struct PowerView: Codable, Sendable, Hashable {
    /// "simulated", "gpio" or "nut".
    public var source: String
    /// "unknown" (nothing read yet), "mains", "on_battery", "shutting_down" or "powering_off".
    public var state: String
    /// The power source stopped answering: `state` is the last one it gave.
    public var sourceStale: Bool

    public init(source: String, state: String, sourceStale: Bool) {
        self.source = source
        self.state = state
        self.sourceStale = sourceStale
    }
}

public struct UplinkView: Codable, Sendable, Hashable {
    /// "not_configured", "online", "offline" or "refused" (docs/adr/0013-online-means-fresh.md).
    public var state: String
    public var sinceMillis: Int64?

    public init(state: String, sinceMillis: Int64?) {
        self.state = state
        self.sinceMillis = sinceMillis
    }
}

/// `GET /health`: minimal and unauthenticated, for load balancers and systemd checks.
/// `GET /ready`: whether bets can be placed right now (200), or why not (503).
public struct ReadinessView: Codable, Sendable, Hashable {
    public var ready: Bool
    public var reason: String?

    public init(ready: Bool, reason: String?) {
        self.ready = ready
        self.reason = reason
    }
}

public struct HealthView: Codable, Sendable, Hashable {
    /// "ok" when bets are taken, "degraded" when the appliance is up but intake is closed.
    public var status: String

    public init(status: String) { self.status = status }
}
