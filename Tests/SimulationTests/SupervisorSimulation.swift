import Power
import TestSupport

/// One seed of the power-supervisor simulation: the real `PowerSupervisor` fed by a fake UPS that
/// tells a seeded story (mains that flaps, outages that drain the battery, readings with fields
/// missing or out of range, a forced shutdown, a silent source, a technician's shutdown) under a
/// virtual clock, with every action checked against what the UPS had said, after every step.
struct SupervisorSimulation {
    struct Tally {
        var steps = 0
        var shutdowns = 0
        var resumed = 0
        var commands = 0

        mutating func add(_ other: Tally) {
            steps += other.steps; shutdowns += other.shutdowns; resumed += other.resumed; commands += other.commands
        }
    }

    let seed: UInt64
    static let steps = 400

    func run() throws -> Tally {
        var random = SplitMix64(seed: seed)
        let policy = PowerPolicy(onBatteryAlertDelayMillis: Int64.random(in: 0...10_000, using: &random),
                                 minimumChargePercent: Bool.random(using: &random) ? Int.random(in: 5...50, using: &random) : nil,
                                 minimumRuntimeSeconds: Bool.random(using: &random) ? Int.random(in: 30...600, using: &random) : nil,
                                 maximumOnBatteryMillis: Bool.random(using: &random) ? Int64.random(in: 5_000...120_000, using: &random) : nil,
                                 honourForcedShutdown: Int.random(in: 0..<4, using: &random) > 0,
                                 deadTimeMillis: Int64.random(in: 1_000...30_000, using: &random),
                                 finalDelayMillis: Int64.random(in: 0...10_000, using: &random))
        var supervisor = PowerSupervisor(policy: policy)
        var ups = FakeUPS()
        var tally = Tally()
        var now: Int64 = 1_795_867_200_000
        var shutdownSince: Int64?
        var shutdownReason: PowerSupervisor.ShutdownReason?
        var commandRun = false
        var staleSince: Int64?
        var last: PowerObservation?
        var onBatterySince: Int64?

        for step in 0..<Self.steps {
            func fail(_ what: String) -> JournalSimulation.Failure {
                JournalSimulation.Failure(description: "supervisor seed \(seed), step \(step): \(what) (state \(supervisor.state), last reading \(String(describing: last)))")
            }
            now += Int64.random(in: 0...2_000, using: &random)
            var requested = false
            let actions: [PowerSupervisor.Action]
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<60:
                let event = ups.next(using: &random)
                switch event {
                case .observed(let observation): last = observation; staleSince = nil
                case .stale: if staleSince == nil { staleSince = now }
                }
                actions = supervisor.handle(event, nowMillis: now)
            case 60 where Int.random(in: 0..<10, using: &random) == 0:
                requested = true
                actions = supervisor.requestShutdown(by: "sim technician", nowMillis: now)
            default:
                actions = supervisor.tick(nowMillis: now)
            }
            tally.steps += 1
            if case .onBattery(let since) = supervisor.state { onBatterySince = since } else if supervisor.state == .mains { onBatterySince = nil }

            for action in actions {
                // After the point of no return only news about the source itself may come.
                switch action {
                case .sourceStale, .sourceHealthy: break
                default: guard !commandRun else { throw fail("\(action) after the shutdown command") }
                }
                switch action {
                case .closeIntake(let reason):
                    guard shutdownSince == nil else { throw fail("intake closed twice") }
                    if let why = unjustified(reason, last, policy: policy, requested: requested, staleSince: staleSince,
                                             onBatterySince: onBatterySince, now: now) { throw fail("shut down for \(reason): \(why)") }
                    shutdownSince = now
                    shutdownReason = reason
                    tally.shutdowns += 1
                case .resumed:
                    guard let reason = shutdownReason, shutdownSince != nil else { throw fail("resumed with no shutdown under way") }
                    guard reason.resumesOnMainsForSimulation, last?.acPresent == true, staleSince == nil, last?.forcedShutdown != true else {
                        throw fail("resumed a shutdown for \(reason) without mains back")
                    }
                    shutdownSince = nil
                    shutdownReason = nil
                    tally.resumed += 1
                case .runShutdownCommand:
                    guard let since = shutdownSince, now - since >= policy.finalDelayMillis else {
                        throw fail("the shutdown command before the final delay ran out")
                    }
                    commandRun = true
                    tally.commands += 1
                default:
                    break
                }
            }
            // What must hold after the step, whatever the actions were.
            switch supervisor.state {
            case .shuttingDown, .poweringOff:
                guard shutdownSince != nil else { throw fail("shutting down with intake open") }
            case .unknown, .mains, .onBattery:
                guard shutdownSince == nil else { throw fail("intake closed while not shutting down") }
                if let last, staleSince == nil, last.acPresent == false, last.batteryLow == true {
                    throw fail("on battery with low battery reported, and not shutting down")
                }
                if policy.honourForcedShutdown, let last, last.forcedShutdown { throw fail("a forced shutdown was not obeyed") }
                if case .onBattery = supervisor.state, last?.acPresent == true, staleSince == nil { throw fail("on battery with mains reported") }
            }
            if commandRun {
                // The appliance powered off; the story goes on after the next boot, with the UPS
                // having cleared its forced shutdown across the power cycle.
                supervisor = PowerSupervisor(policy: policy)
                ups.powerCycled()
                (shutdownSince, shutdownReason, commandRun, staleSince, last, onBatterySince) = (nil, nil, false, nil, nil, nil)
            }
        }
        return tally
    }

    /// Why `reason` was not warranted by what the UPS last said, or nil when it was.
    private func unjustified(_ reason: PowerSupervisor.ShutdownReason, _ last: PowerObservation?, policy: PowerPolicy, requested: Bool,
                             staleSince: Int64?, onBatterySince: Int64?, now: Int64) -> String? {
        switch reason {
        case .requested: return requested ? nil : "nobody asked"
        case .forcedShutdown: return policy.honourForcedShutdown && last?.forcedShutdown == true ? nil : "no FSD was reported"
        default: break
        }
        guard last?.acPresent == false else { return "mains was last reported present" }
        switch reason {
        case .batteryLow: return last?.batteryLow == true ? nil : "low battery was not reported"
        case .chargeBelow(let percent, let threshold):
            return last?.chargePercent == percent && policy.minimumChargePercent == threshold && percent <= threshold ? nil : "the charge was not that low"
        case .runtimeBelow(let seconds, let threshold):
            return last?.runtimeSeconds == seconds && policy.minimumRuntimeSeconds == threshold && seconds <= threshold ? nil : "the runtime was not that low"
        case .onBatteryTooLong(let millis):
            guard let maximum = policy.maximumOnBatteryMillis, millis >= maximum, let since = onBatterySince, now - since >= maximum else {
                return "not on battery that long"
            }
            return nil
        case .sourceDeadOnBattery:
            guard let staleSince, now - staleSince >= policy.deadTimeMillis else { return "the source was not silent for the dead time" }
            return nil
        case .requested, .forcedShutdown: return nil
        }
    }
}

extension PowerSupervisor.ShutdownReason {
    /// The documented rule, restated for the check: an ordered shutdown is never resumed.
    var resumesOnMainsForSimulation: Bool {
        switch self {
        case .forcedShutdown, .requested: false
        default: true
        }
    }
}

/// A UPS that tells a story: it is on mains (now and then flapping) or in an outage whose battery
/// drains, and any reading may lie by leaving fields out, putting them out of range, or the
/// source may go silent for a while.
struct FakeUPS {
    private var outage = false
    private var charge = 100
    private var runtime = 1_800
    private var forced = false

    mutating func next(using random: inout SplitMix64) -> PowerSourceEvent {
        let roll = Int.random(in: 0..<100, using: &random)
        if roll < 6 { return .stale(reason: "sim: DATA-STALE") }
        if roll < 14 { outage.toggle() }
        if roll == 14 && Int.random(in: 0..<5, using: &random) == 0 { forced = true }
        if outage {
            charge = max(0, charge - Int.random(in: 0...8, using: &random))
            runtime = max(0, runtime - Int.random(in: 0...120, using: &random))
        } else {
            charge = min(100, charge + Int.random(in: 0...5, using: &random))
            runtime = min(1_800, runtime + Int.random(in: 0...60, using: &random))
        }
        var reading = PowerObservation(acPresent: !outage, batteryLow: outage && charge < 10, chargePercent: charge,
                                       runtimeSeconds: runtime, forcedShutdown: forced)
        switch Int.random(in: 0..<20, using: &random) {
        case 0: reading.batteryLow = nil
        case 1: reading.chargePercent = nil; reading.runtimeSeconds = nil
        case 2: reading.chargePercent = [-5, 250, Int.max].randomElement(using: &random)
        case 3: reading.acPresent = nil
        default: break
        }
        return .observed(reading)
    }

    mutating func powerCycled() {
        forced = false
    }
}
