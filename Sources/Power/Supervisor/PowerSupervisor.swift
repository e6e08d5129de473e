/// The power state machine: readings and ticks of an injected clock in, actions out. Pure, so
/// every transition is tested under a controlled clock and the simulator can drive it.
///
///     unknown -> mains <-> onBattery -> shuttingDown -> poweringOff
///                  ^                          |
///                  +------ resumed -----------+   (mains back before the final delay ends)
///
/// `shuttingDown` closes intake and makes the journal safe; `poweringOff` (the shutdown command)
/// is the point of no return.
public struct PowerSupervisor: Sendable {
    public enum State: Hashable, Sendable {
        /// No reading yet (start-up).
        case unknown
        case mains
        case onBattery(sinceMillis: Int64)
        case shuttingDown(sinceMillis: Int64, reason: ShutdownReason)
        case poweringOff(reason: ShutdownReason)

        var isOnBattery: Bool {
            if case .onBattery = self { return true }
            return false
        }
    }

    public enum Action: Hashable, Sendable {
        /// Mains present (at start or back from battery): normal commit delay, intake open.
        case onMains
        /// On battery: group-commit delay to zero, a journaled event.
        case wentOnBattery
        /// Still on battery after the alert delay: tell people.
        case onBatteryAlert
        /// Start the staged shutdown: close intake, finish in-flight bets, checkpoint, final sync.
        case closeIntake(ShutdownReason)
        /// Mains came back before the point of no return: reopen intake.
        case resumed
        /// The final delay is over: run the shutdown command (exactly once).
        case runShutdownCommand(ShutdownReason)
        case sourceStale(String)
        case sourceHealthy
    }

    public enum ShutdownReason: Hashable, Sendable, CustomStringConvertible {
        case batteryLow
        case chargeBelow(percent: Int, threshold: Int)
        case runtimeBelow(seconds: Int, threshold: Int)
        case onBatteryTooLong(millis: Int64)
        case forcedShutdown
        case sourceDeadOnBattery(String)
        /// A technician asked for it (console `shutdown` or `reboot`).
        case requested(by: String)

        /// Mains returning during the final delay resumes service, except when the shutdown was
        /// ordered (FSD, a technician) rather than forced by the battery.
        var resumesOnMains: Bool {
            switch self {
            case .forcedShutdown, .requested: false
            default: true
            }
        }

        public var description: String {
            switch self {
            case .batteryLow: "the UPS reports low battery"
            case .chargeBelow(let percent, let threshold): "battery charge \(percent)% is at or below \(threshold)%"
            case .runtimeBelow(let seconds, let threshold): "battery runtime \(seconds) s is at or below \(threshold) s"
            case .onBatteryTooLong(let millis): "on battery for \(millis / 1_000) s, the most allowed"
            case .forcedShutdown: "the UPS ordered a forced shutdown (FSD)"
            case .sourceDeadOnBattery(let why): "the power source went silent while on battery (\(why))"
            case .requested(let who): "requested by \(who)"
            }
        }
    }

    public let policy: PowerPolicy
    public private(set) var state: State = .unknown
    public private(set) var lastObservation: PowerObservation?
    private var staleSinceMillis: Int64?
    private var alertRaised = false

    public init(policy: PowerPolicy) {
        self.policy = policy
    }

    public var isSourceStale: Bool { staleSinceMillis != nil }

    public mutating func handle(_ event: PowerSourceEvent, nowMillis: Int64) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .observed(let observation):
            if staleSinceMillis != nil {
                staleSinceMillis = nil
                actions.append(.sourceHealthy)
            }
            lastObservation = observation
        case .stale(let reason):
            if staleSinceMillis == nil {
                staleSinceMillis = nowMillis
                actions.append(.sourceStale(reason))
            }
        }
        return actions + evaluate(nowMillis: nowMillis)
    }

    /// A technician's shutdown: the same staged path as a power shutdown (intake closed, journal
    /// made safe, the final delay, then the command), never resumed by mains. Nothing happens if a
    /// shutdown is already under way.
    public mutating func requestShutdown(by who: String, nowMillis: Int64) -> [Action] {
        switch state {
        case .shuttingDown, .poweringOff:
            return []
        case .unknown, .mains, .onBattery:
            let reason = ShutdownReason.requested(by: who)
            state = .shuttingDown(sinceMillis: nowMillis, reason: reason)
            return [.closeIntake(reason)]
        }
    }

    /// Time passing with no news: delays and timeouts expire here.
    public mutating func tick(nowMillis: Int64) -> [Action] {
        evaluate(nowMillis: nowMillis)
    }

    private mutating func evaluate(nowMillis now: Int64) -> [Action] {
        switch state {
        case .poweringOff:
            return []
        case .shuttingDown(let since, let reason):
            if reason.resumesOnMains, staleSinceMillis == nil, lastObservation?.acPresent == true,
               lastObservation?.forcedShutdown != true {
                state = .mains
                return [.resumed]
            }
            if now - since >= policy.finalDelayMillis {
                state = .poweringOff(reason: reason)
                return [.runShutdownCommand(reason)]
            }
            return []
        case .unknown, .mains, .onBattery:
            var actions: [Action] = []
            if lastObservation?.acPresent == false, !state.isOnBattery {
                state = .onBattery(sinceMillis: now)
                alertRaised = false
                actions.append(.wentOnBattery)
            }
            if let reason = shutdownReason(now) {
                state = .shuttingDown(sinceMillis: now, reason: reason)
                return actions + [.closeIntake(reason)]
            }
            if case .onBattery(let since) = state, !alertRaised, now - since >= policy.onBatteryAlertDelayMillis {
                alertRaised = true
                actions.append(.onBatteryAlert)
            }
            if lastObservation?.acPresent == true, state != .mains {
                state = .mains
                actions.append(.onMains)
            }
            return actions
        }
    }

    private func shutdownReason(_ now: Int64) -> ShutdownReason? {
        guard let observation = lastObservation else { return nil }
        if policy.honourForcedShutdown && observation.forcedShutdown { return .forcedShutdown }
        guard observation.acPresent == false, case .onBattery(let since) = state else { return nil }
        if let staleSince = staleSinceMillis, now - staleSince >= policy.deadTimeMillis {
            return .sourceDeadOnBattery("no reading for \((now - staleSince) / 1_000) s")
        }
        if observation.batteryLow == true { return .batteryLow }
        if let threshold = policy.minimumChargePercent, let charge = observation.chargePercent, charge <= threshold {
            return .chargeBelow(percent: charge, threshold: threshold)
        }
        if let threshold = policy.minimumRuntimeSeconds, let runtime = observation.runtimeSeconds, runtime <= threshold {
            return .runtimeBelow(seconds: runtime, threshold: threshold)
        }
        if let maximum = policy.maximumOnBatteryMillis, now - since >= maximum { return .onBatteryTooLong(millis: now - since) }
        return nil
    }
}
