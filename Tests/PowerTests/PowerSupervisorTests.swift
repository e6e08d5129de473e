@testable import Power
import Testing

/// Every transition of the supervisor under a clock the test moves by hand.
@Suite("Power supervisor")
struct PowerSupervisorTests {
    static let policy = PowerPolicy(onBatteryAlertDelayMillis: 5_000, minimumChargePercent: 20, minimumRuntimeSeconds: 120,
                                    maximumOnBatteryMillis: 600_000, honourForcedShutdown: true, deadTimeMillis: 15_000,
                                    finalDelayMillis: 5_000)
    static let mains = PowerSourceEvent.observed(PowerObservation(acPresent: true, chargePercent: 100, runtimeSeconds: 1_800))
    static func battery(charge: Int = 90, runtime: Int = 1_500, low: Bool = false) -> PowerSourceEvent {
        .observed(PowerObservation(acPresent: false, batteryLow: low, chargePercent: charge, runtimeSeconds: runtime))
    }

    @Test("mains at start, then on battery at once, the alert only after its delay, then mains again")
    func batteryEpisode() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        #expect(supervisor.handle(Self.mains, nowMillis: 0) == [.onMains])
        #expect(supervisor.handle(Self.battery(), nowMillis: 1_000) == [.wentOnBattery])
        #expect(supervisor.tick(nowMillis: 5_999) == [])
        #expect(supervisor.tick(nowMillis: 6_000) == [.onBatteryAlert])
        #expect(supervisor.tick(nowMillis: 9_000) == [])
        #expect(supervisor.handle(Self.mains, nowMillis: 10_000) == [.onMains])
        #expect(supervisor.state == .mains)
    }

    @Test("a technician's shutdown takes the staged path on mains, is not resumed by mains, and is asked for only once")
    func requestedShutdown() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.mains, nowMillis: 0)
        let reason = PowerSupervisor.ShutdownReason.requested(by: "tech (reboot)")
        #expect(supervisor.requestShutdown(by: "tech (reboot)", nowMillis: 1_000) == [.closeIntake(reason)])
        #expect(supervisor.requestShutdown(by: "someone else", nowMillis: 1_500) == [], "one shutdown at a time")
        #expect(supervisor.handle(Self.mains, nowMillis: 2_000) == [], "mains does not cancel a shutdown someone asked for")
        #expect(supervisor.tick(nowMillis: 5_999) == [])
        #expect(supervisor.tick(nowMillis: 6_000) == [.runShutdownCommand(reason)])
        #expect(supervisor.requestShutdown(by: "tech", nowMillis: 7_000) == [])
    }

    @Test("each shutdown trigger closes intake with its reason", arguments: [
        (battery(low: true), PowerSupervisor.ShutdownReason.batteryLow),
        (battery(charge: 20), .chargeBelow(percent: 20, threshold: 20)),
        (battery(runtime: 100), .runtimeBelow(seconds: 100, threshold: 120)),
    ])
    func triggers(event: PowerSourceEvent, reason: PowerSupervisor.ShutdownReason) {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.mains, nowMillis: 0)
        _ = supervisor.handle(Self.battery(), nowMillis: 1_000)
        #expect(supervisor.handle(event, nowMillis: 2_000) == [.closeIntake(reason)])
        #expect(supervisor.state == .shuttingDown(sinceMillis: 2_000, reason: reason))
    }

    @Test("a reading that is already low battery goes on battery and closes intake in one step")
    func lowAtOnce() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.mains, nowMillis: 0)
        #expect(supervisor.handle(Self.battery(low: true), nowMillis: 1) == [.wentOnBattery, .closeIntake(.batteryLow)])
    }

    @Test("too long on battery shuts down even with a healthy battery")
    func maximumOnBattery() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.battery(), nowMillis: 0)
        _ = supervisor.tick(nowMillis: 5_000)
        #expect(supervisor.tick(nowMillis: 599_999) == [])
        #expect(supervisor.tick(nowMillis: 600_000) == [.closeIntake(.onBatteryTooLong(millis: 600_000))])
    }

    @Test("the final delay runs out into the shutdown command, exactly once")
    func finalDelay() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.battery(), nowMillis: 0)
        _ = supervisor.handle(Self.battery(low: true), nowMillis: 1_000)
        #expect(supervisor.tick(nowMillis: 5_999) == [])
        #expect(supervisor.tick(nowMillis: 6_000) == [.runShutdownCommand(.batteryLow)])
        #expect(supervisor.tick(nowMillis: 7_000) == [])
        #expect(supervisor.handle(Self.mains, nowMillis: 8_000) == [], "past the point of no return nothing resumes")
        #expect(supervisor.state == .poweringOff(reason: .batteryLow))
    }

    @Test("mains back during the final delay resumes instead of shutting down")
    func mainsReturnsDuringFinalDelay() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.battery(), nowMillis: 0)
        _ = supervisor.handle(Self.battery(charge: 10), nowMillis: 1_000)
        #expect(supervisor.handle(Self.mains, nowMillis: 3_000) == [.resumed])
        #expect(supervisor.state == .mains)
        #expect(supervisor.tick(nowMillis: 20_000) == [])
    }

    @Test("a forced shutdown is obeyed even on mains, and mains does not cancel it")
    func forcedShutdown() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        _ = supervisor.handle(Self.mains, nowMillis: 0)
        let fsd = PowerSourceEvent.observed(PowerObservation(acPresent: true, forcedShutdown: true))
        #expect(supervisor.handle(fsd, nowMillis: 1_000) == [.closeIntake(.forcedShutdown)])
        #expect(supervisor.handle(Self.mains, nowMillis: 2_000) == [])
        #expect(supervisor.tick(nowMillis: 6_000) == [.runShutdownCommand(.forcedShutdown)])

        var ignoring = PowerSupervisor(policy: PowerPolicy(honourForcedShutdown: false))
        _ = ignoring.handle(Self.mains, nowMillis: 0)
        #expect(ignoring.handle(fsd, nowMillis: 1_000) == [])
    }

    @Test("flapping mains never shuts down with a healthy battery")
    func flapping() {
        var supervisor = PowerSupervisor(policy: Self.policy)
        var now: Int64 = 0
        for _ in 0..<200 {
            #expect(!supervisor.handle(Self.battery(), nowMillis: now).contains { if case .closeIntake = $0 { true } else { false } })
            now += 700
            _ = supervisor.handle(Self.mains, nowMillis: now)
            now += 300
        }
        #expect(supervisor.state == .mains)
    }

    @Test("a source that dies while on battery counts as low battery after the dead time; on mains it only warns")
    func deadSource() {
        var onBattery = PowerSupervisor(policy: Self.policy)
        _ = onBattery.handle(Self.battery(), nowMillis: 0)
        #expect(onBattery.handle(.stale(reason: "DATA-STALE"), nowMillis: 1_000) == [.sourceStale("DATA-STALE")])
        #expect(onBattery.tick(nowMillis: 15_999) == [.onBatteryAlert])
        #expect(onBattery.tick(nowMillis: 16_000) == [.closeIntake(.sourceDeadOnBattery("no reading for 15 s"))])

        var onMains = PowerSupervisor(policy: Self.policy)
        _ = onMains.handle(Self.mains, nowMillis: 0)
        #expect(onMains.handle(.stale(reason: "upsd gone"), nowMillis: 1_000) == [.sourceStale("upsd gone")])
        #expect(onMains.tick(nowMillis: 100_000) == [])
        #expect(onMains.handle(Self.mains, nowMillis: 101_000) == [.sourceHealthy])
    }
}

@Suite("Simulated power source")
struct SimulatedPowerSourceTests {
    @Test("the file's lines become an observation; garbage becomes a stale source naming the line")
    func parsing() {
        let source = SimulatedPowerSource(path: "/nonexistent/holdfast-power")
        #expect(source.read() == .observed(PowerObservation(acPresent: true)))
        #expect(SimulatedPowerSource.parse("ac=lost\nlow=yes # cut\ncharge=12\nruntime=60\n")
            == .observed(PowerObservation(acPresent: false, batteryLow: true, chargePercent: 12, runtimeSeconds: 60)))
        #expect(SimulatedPowerSource.parse("fsd=yes") == .observed(PowerObservation(acPresent: true, forcedShutdown: true)))
        #expect(SimulatedPowerSource.parse("stale=upsd gone") == .stale(reason: "upsd gone"))
        #expect(SimulatedPowerSource.parse("ac=lost\ncharge=140") == .stale(reason: "simulated power file line 2: 'charge=140' is not understood"))
        #expect(SimulatedPowerSource.parse("\u{FF}\u{00}garbage") == .stale(reason: "simulated power file line 1: expected key=value, got '\u{FF}\u{00}garbage'"))
    }
}
