import Power

/// What the power side of the appliance is doing, for `holdfast power status|watch` and the
/// console: the supervisor's state, the source's last reading, and what was done about it.
public struct PowerStatus: Codable, Sendable, Hashable {
    /// gpio, nut or simulated.
    public var source: String
    /// unknown, mains, on_battery, shutting_down or powering_off.
    public var state: String
    /// When the appliance entered `state` (wall clock, ms since the epoch).
    public var stateSinceMillis: Int64
    /// Why the staged shutdown started, while shutting down or powering off.
    public var shutdownReason: String?
    /// Why the source cannot be read, while it cannot.
    public var sourceStale: String?
    public var acPresent: Bool?
    public var batteryLow: Bool?
    public var chargePercent: Int?
    public var runtimeSeconds: Int?
    public var forcedShutdown: Bool
    /// When the source last reported anything (wall clock, ms).
    public var lastEventMillis: Int64?
    public var intakeOpen: Bool
    public var shutdownCommandRuns: Int
    /// The last staged shutdown: from the power event reaching the controller to intake closed
    /// and the WAL checkpointed, in microseconds.
    public var lastPowerToSafeMicros: Int64?
    /// Staged shutdowns started since the daemon started (each closed intake; some resumed).
    public var stagedShutdowns: Int
    /// The drill running (power-cut, low-battery): the readings are made up, nothing is cut.
    public var drill: String?

    init(source: String, nowMillis: Int64) {
        self.source = source
        state = "unknown"
        stateSinceMillis = nowMillis
        forcedShutdown = false
        intakeOpen = true
        shutdownCommandRuns = 0
        stagedShutdowns = 0
    }

    mutating func update(supervisor: PowerSupervisor, event: PowerSourceEvent?, nowMillis: Int64) {
        let (name, reason) = Self.describe(supervisor.state)
        if name != state {
            state = name
            stateSinceMillis = nowMillis
        }
        shutdownReason = reason
        guard let event else { return }
        lastEventMillis = nowMillis
        switch event {
        case .stale(let why):
            sourceStale = why
        case .observed(let observation):
            sourceStale = nil
            acPresent = observation.acPresent
            batteryLow = observation.batteryLow
            chargePercent = observation.chargePercent
            runtimeSeconds = observation.runtimeSeconds
            forcedShutdown = observation.forcedShutdown
        }
    }

    static func describe(_ state: PowerSupervisor.State) -> (name: String, reason: String?) {
        switch state {
        case .unknown: ("unknown", nil)
        case .mains: ("mains", nil)
        case .onBattery: ("on_battery", nil)
        case .shuttingDown(_, let reason): ("shutting_down", reason.description)
        case .poweringOff(let reason): ("powering_off", reason.description)
        }
    }
}
