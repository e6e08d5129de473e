import Foundation
public import Journal
import Logging
public import Power
public import ServiceLifecycle
import Synchronization

/// Runs the power supervisor against a source and carries out what it decides: the commit delay,
/// intake, the journal's WAL checkpoint, journaled significant events, and the shutdown command,
/// run exactly once (DESIGN.md, "Operating modes"; docs/power.md).
public final class PowerController: Service, Sendable {
    private let service: ApplianceService
    private let source: any PowerSource
    private let policy: PowerPolicy
    private let shutdownCommand: [String]
    private let tickInterval: Duration
    private let clock: any JournalClock
    private let supervisorState = Mutex<PowerSupervisor.State>(.unknown)
    private let currentStatus: Mutex<PowerStatus>
    private let commandRuns = Mutex(0)
    private let metrics = PowerMetrics()

    public init(service: ApplianceService, source: any PowerSource, policy: PowerPolicy, shutdownCommand: [String],
                clock: any JournalClock, tickInterval: Duration = .milliseconds(100)) {
        self.service = service
        self.source = source
        self.policy = policy
        self.shutdownCommand = shutdownCommand
        self.clock = clock
        self.tickInterval = tickInterval
        currentStatus = Mutex(PowerStatus(source: source.kind, nowMillis: clock.wallMillis()))
    }

    /// The state, the source's last reading and what was done, for the CLI and the console.
    public var status: PowerStatus {
        var status = currentStatus.withLock { $0 }
        status.intakeOpen = service.intake.closedReason == nil
        status.shutdownCommandRuns = shutdownCommandRuns
        return status
    }

    /// The supervisor's state, for the API and the console.
    public var state: PowerSupervisor.State { supervisorState.withLock { $0 } }

    /// How many times the shutdown command ran (at most once).
    public var shutdownCommandRuns: Int { commandRuns.withLock { $0 } }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await self.supervise() }
    }

    private enum Input: Sendable {
        /// An event from the source and when it reached the controller (monotonic ns).
        case source(PowerSourceEvent, receivedNanos: Int64)
        case tick
    }

    private func supervise() async throws {
        var supervisor = PowerSupervisor(policy: policy)
        let (inputs, continuation) = AsyncStream<Input>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let forward = Task {
            for await event in source.events() { continuation.yield(.source(event, receivedNanos: clock.monotonicNanos())) }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tickInterval)
                continuation.yield(.tick)
            }
        }
        defer {
            forward.cancel()
            ticker.cancel()
        }
        for await input in inputs {
            let nowNanos = clock.monotonicNanos()
            let now = nowNanos / 1_000_000
            let actions: [PowerSupervisor.Action]
            var event: PowerSourceEvent?
            var startedNanos = nowNanos
            switch input {
            case .source(let sourceEvent, let receivedNanos):
                event = sourceEvent
                startedNanos = receivedNanos
                actions = supervisor.handle(sourceEvent, nowMillis: now)
            case .tick: actions = supervisor.tick(nowMillis: now)
            }
            supervisorState.withLock { $0 = supervisor.state }
            let wallNow = clock.wallMillis()
            currentStatus.withLock { $0.update(supervisor: supervisor, event: event, nowMillis: wallNow) }
            service.setPowerState(supervisor.state, sourceStale: supervisor.isSourceStale)
            metrics.record(supervisor.state, sourceStale: supervisor.isSourceStale)
            for action in actions {
                metrics.count(action)
                await perform(action, startedNanos: startedNanos)
            }
        }
    }

    /// `startedNanos`: when the event that led to the action reached the controller.
    private func perform(_ action: PowerSupervisor.Action, startedNanos: Int64) async {
        let logger = service.logger
        switch action {
        case .onMains:
            await service.journal.setGroupCommitDelay(.microseconds(service.configuration.journal.groupCommitDelayMicroseconds))
            await record("power.mains", "mains power present")
        case .wentOnBattery:
            await service.journal.setGroupCommitDelay(.zero)
            await record("power.on_battery", "mains lost: running on battery; group commit delay is zero")
        case .onBatteryAlert:
            logger.warning("still on battery after \(policy.onBatteryAlertDelayMillis / 1_000) s")
            await record("power.on_battery_alert", "still on battery after \(policy.onBatteryAlertDelayMillis / 1_000) s")
        case .closeIntake(let reason):
            service.intake.close(.power(reason.description))
            await record("power.shutting_down", "intake closed: \(reason); shutdown in \(policy.finalDelayMillis / 1_000) s unless mains returns")
            await checkpoint()
            // Intake closed, in-flight bets committed (the record above queued behind them), WAL
            // checkpointed: the appliance is safe to lose power from here.
            let elapsed = clock.monotonicNanos() - startedNanos
            metrics.powerToSafe.recordNanoseconds(elapsed)
            currentStatus.withLock {
                $0.lastPowerToSafeMicros = elapsed / 1_000
                $0.stagedShutdowns += 1
            }
        case .resumed:
            service.intake.reopenAfterPower()
            await record("power.resumed", "mains returned before the point of no return; intake reopened")
        case .runShutdownCommand(let reason):
            await record("power.shutdown_command", "shutting the appliance down: \(reason)")
            await checkpoint()
            if await source.requestPowerOff() {
                logger.notice("the UPS was told to cut power once the appliance halts")
            } else if source.kind == "gpio" {
                logger.warning("no power-off request reached the UPS (none configured, or the line could not be driven)")
            }
            runShutdownCommand()
        case .sourceStale(let why):
            logger.warning("power source stale: \(why)")
            await record("power.source_stale", why)
        case .sourceHealthy:
            await record("power.source_healthy", "the power source answers again")
        }
    }

    private func record(_ category: String, _ message: String) async {
        service.logger.notice("\(category): \(message)")
        do { try await service.journal.apply(.record(category: category, message: message)) } catch {
            service.logger.error("power event not journaled", metadata: ["category": "\(category)", "error": "\(error)"])
        }
    }

    private func checkpoint() async {
        do { try await service.journal.checkpointWAL() } catch {
            service.logger.error("WAL checkpoint before shutdown failed (SQLite recovers it at next open)", metadata: ["error": "\(error)"])
        }
    }

    private func runShutdownCommand() {
        let first = commandRuns.withLock { runs -> Bool in
            defer { runs += 1 }
            return runs == 0
        }
        precondition(first, "the supervisor asks for the shutdown command once")
        guard let executable = shutdownCommand.first else {
            service.logger.critical("no power.shutdown_command configured: the appliance is safe to lose power now")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(shutdownCommand.dropFirst())
        do {
            try process.run()
            process.waitUntilExit()
            service.logger.critical("shutdown command ran", metadata: ["command": "\(shutdownCommand.joined(separator: " "))",
                                                                        "status": "\(process.terminationStatus)"])
        } catch {
            service.logger.critical("shutdown command could not start", metadata: ["command": "\(executable)", "error": "\(error)"])
        }
    }
}
