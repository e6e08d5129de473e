import Foundation
public import Journal
import Logging
import NIOConcurrencyHelpers
public import Power
public import ServiceLifecycle
import Synchronization

/// Runs the power supervisor against a source and carries out what it decides: the commit delay,
/// intake, the journal's WAL checkpoint, journaled significant events, and the shutdown command,
/// run exactly once (ARCHITECTURE.md, "Operating modes"; docs/power.md). A technician can ask for the
/// same staged shutdown (or a reboot), and run drills: made-up power events fed through the real
/// supervisor and actions, with only the final command held back.
public final class PowerController: Service, Sendable {
    public enum Drill: String, Sendable, CaseIterable {
        /// Mains lost; the battery fine.
        case powerCut = "power-cut"
        /// Mains lost and the battery low: the staged shutdown, up to the command.
        case lowBattery = "low-battery"
    }

    let service: ApplianceService
    let source: any PowerSource
    let policy: PowerPolicy
    let shutdownCommand: [String]
    let rebootCommand: [String]
    let clock: any JournalClock
    private let tickInterval: Duration
    let currentStatus: NIOLockedValueBox<PowerStatus>
    let commandRuns = NIOLockedValueBox(0)
    let metrics = PowerMetrics()
    /// Source events and requests: few, and none may be lost (a one-shot GPIO "mains back"), so
    /// the stream is unbounded; ticks are bounded by `pendingTick` instead.
    private let inputs: AsyncStream<Input>
    private let inputContinuation: AsyncStream<Input>.Continuation
    private let pendingTick = Atomic<Bool>(false)

    public init(service: ApplianceService, source: any PowerSource, policy: PowerPolicy, shutdownCommand: [String],
                rebootCommand: [String] = [], clock: any JournalClock, tickInterval: Duration = .milliseconds(100)) {
        self.service = service
        self.source = source
        self.policy = policy
        self.shutdownCommand = shutdownCommand
        self.rebootCommand = rebootCommand
        self.clock = clock
        self.tickInterval = tickInterval
        currentStatus = NIOLockedValueBox(PowerStatus(source: source.kind, nowMillis: clock.wallMillis()))
        (inputs, inputContinuation) = AsyncStream<Input>.makeStream(bufferingPolicy: .unbounded)
    }

    /// The state, the source's last reading and what was done, for the CLI and the console.
    public var status: PowerStatus {
        var status = currentStatus.withLockedValue { $0 }
        status.intakeOpen = service.intake.closedReason == nil
        status.shutdownCommandRuns = shutdownCommandRuns
        return status
    }

    /// How many times the shutdown command ran (at most once).
    public var shutdownCommandRuns: Int { commandRuns.withLockedValue { $0 } }

    /// A technician's shutdown or reboot, through the same staged path as a power shutdown.
    public func requestShutdown(by who: String, reboot: Bool) {
        inputContinuation.yield(.request(who: who, reboot: reboot))
    }

    public func startDrill(_ drill: Drill, by who: String) {
        inputContinuation.yield(.drill(drill, who: who))
    }

    public func endDrill(by who: String) {
        inputContinuation.yield(.endDrill(who: who))
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await self.supervise() }
    }

    enum Input: Sendable {
        /// An event from the source and when it reached the controller (monotonic ns).
        case source(PowerSourceEvent, receivedNanos: Int64)
        case tick
        case request(who: String, reboot: Bool)
        case drill(Drill, who: String)
        case endDrill(who: String)
    }

    /// What one run of the loop is working with.
    struct Loop {
        var supervisor: PowerSupervisor
        var drill: Drill?
        var lastRealEvent: PowerSourceEvent?
        var reboot = false
    }

    private func supervise() async throws {
        var loop = Loop(supervisor: PowerSupervisor(policy: policy))
        let continuation = inputContinuation
        let forward = Task {
            for await event in source.events() { continuation.yield(.source(event, receivedNanos: clock.monotonicNanos())) }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tickInterval)
                // At most one tick waits: a slow action must not bury source events under ticks.
                if !self.pendingTick.exchange(true, ordering: .acquiringAndReleasing) { continuation.yield(.tick) }
            }
        }
        defer {
            forward.cancel()
            ticker.cancel()
        }
        for await input in inputs {
            if Task.isCancelled { break }
            await step(input, &loop)
        }
    }

    private func step(_ input: Input, _ loop: inout Loop) async {
        let nowNanos = clock.monotonicNanos()
        let now = nowNanos / 1_000_000
        var actions: [PowerSupervisor.Action] = []
        var event: PowerSourceEvent?
        var startedNanos = nowNanos
        switch input {
        case .source(let sourceEvent, let receivedNanos):
            loop.lastRealEvent = sourceEvent
            guard loop.drill == nil else { return } // the drill's made-up readings stand in
            event = sourceEvent
            startedNanos = receivedNanos
            actions = loop.supervisor.handle(sourceEvent, nowMillis: now)
        case .tick:
            pendingTick.store(false, ordering: .releasing)
            actions = loop.supervisor.tick(nowMillis: now)
        case .request(let who, let reboot):
            loop.reboot = reboot
            await service.recordEvent("power.requested", "\(reboot ? "reboot" : "shutdown") requested by \(who)")
            actions = loop.supervisor.requestShutdown(by: "\(who) (\(reboot ? "reboot" : "shutdown"))", nowMillis: now)
        case .drill(let drill, let who):
            guard loop.drill == nil else { return }
            loop.drill = drill
            currentStatus.withLockedValue { $0.drill = drill.rawValue }
            await service.recordEvent("power.drill", "\(drill.rawValue) drill started by \(who): made-up readings, the real supervisor; nothing is cut")
            let reading = PowerObservation(acPresent: false, batteryLow: drill == .lowBattery)
            event = .observed(reading)
            actions = loop.supervisor.handle(.observed(reading), nowMillis: now)
        case .endDrill(let who):
            guard let drill = loop.drill else { return }
            loop.drill = nil
            currentStatus.withLockedValue { $0.drill = nil }
            await service.recordEvent("power.drill", "\(drill.rawValue) drill ended by \(who): back to the source's readings")
            // A drill may have gone as far as the point of no return: start the supervisor afresh
            // from the real readings, with intake open unless they close it again.
            loop.supervisor = PowerSupervisor(policy: policy)
            service.intake.reopenAfterPower()
            await service.journal.setGroupCommitDelay(.microseconds(service.configuration.journal.groupCommitDelayMicroseconds))
            if let real = loop.lastRealEvent {
                event = real
                actions = loop.supervisor.handle(real, nowMillis: now)
            }
        }
        let wallNow = clock.wallMillis()
        currentStatus.withLockedValue { $0.update(supervisor: loop.supervisor, event: event, nowMillis: wallNow) }
        service.setPowerState(loop.supervisor.state, sourceStale: loop.supervisor.isSourceStale)
        metrics.record(loop.supervisor.state, sourceStale: loop.supervisor.isSourceStale)
        for action in actions {
            metrics.count(action)
            await perform(action, startedNanos: startedNanos, loop: loop)
        }
    }
}
