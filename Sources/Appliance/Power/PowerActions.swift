import Foundation
import Journal
import Logging
import Power

extension PowerController {
    /// Carries out one of the supervisor's actions. `startedNanos`: when the event that led to it
    /// reached the controller.
    func perform(_ action: PowerSupervisor.Action, startedNanos: Int64, loop: Loop) async {
        let logger = service.logger
        switch action {
        case .onMains:
            await service.journal.setGroupCommitDelay(.microseconds(service.configuration.journal.groupCommitDelayMicroseconds))
            await service.recordEvent("power.mains", "mains power present")
        case .wentOnBattery:
            await service.journal.setGroupCommitDelay(.zero)
            await service.recordEvent("power.on_battery", "mains lost: running on battery; group commit delay is zero")
        case .onBatteryAlert:
            logger.warning("still on battery after \(policy.onBatteryAlertDelayMillis / 1_000) s")
            await service.recordEvent("power.on_battery_alert", "still on battery after \(policy.onBatteryAlertDelayMillis / 1_000) s")
        case .closeIntake(let reason):
            service.intake.close(.power(reason.description))
            await bounded("the shutting-down event and checkpoint") {
                await self.service.recordEvent("power.shutting_down",
                                               "intake closed: \(reason); shutdown in \(self.policy.finalDelayMillis / 1_000) s unless mains returns")
                await self.checkpoint()
            }
            // Intake closed, in-flight bets committed (the record above queued behind them), WAL
            // checkpointed: the appliance is safe to lose power from here.
            let elapsed = clock.monotonicNanos() - startedNanos
            metrics.powerToSafe.recordNanoseconds(elapsed)
            currentStatus.withLockedValue {
                $0.lastPowerToSafeMicros = elapsed / 1_000
                $0.stagedShutdowns += 1
            }
        case .resumed:
            service.intake.reopenAfterPower()
            await service.recordEvent("power.resumed", "mains returned before the point of no return; intake reopened")
        case .runShutdownCommand(let reason):
            let command = loop.reboot ? rebootCommand : shutdownCommand
            if let drill = loop.drill {
                await service.recordEvent("power.drill", "\(drill.rawValue) drill reached the point of no return: "
                             + "\(command.isEmpty ? "nothing is configured to run" : "`\(command.joined(separator: " "))` would run now") (\(reason))")
                return
            }
            let reboot = loop.reboot
            await bounded("the shutdown event and final checkpoint") {
                await self.service.recordEvent("power.shutdown_command", "\(reboot ? "rebooting" : "shutting") the appliance down: \(reason)")
                await self.checkpoint()
            }
            if !loop.reboot {
                if await source.requestPowerOff() {
                    logger.notice("the UPS was told to cut power once the appliance halts")
                } else if source.kind == "gpio" {
                    logger.warning("no power-off request reached the UPS (none configured, or the line could not be driven)")
                }
            }
            run(command, reboot: loop.reboot)
        case .sourceStale(let why):
            logger.warning("power source stale: \(why)")
            await service.recordEvent("power.source_stale", why)
        case .sourceHealthy:
            await service.recordEvent("power.source_healthy", "the power source answers again")
        }
    }

    /// How long the power path waits on the journal before it goes on without it.
    static let journalBound: Duration = .seconds(5)

    private func bounded(_ what: String, _ work: @escaping @Sendable () async -> Void) async {
        if await !finishesWithin(Self.journalBound, work) {
            service.logger.critical("\(what) did not finish within \(Self.journalBound); going on with the shutdown without it")
        }
    }

    func checkpoint() async {
        do { try await service.journal.checkpointWAL() } catch {
            service.logger.error("WAL checkpoint before shutdown failed (SQLite recovers it at next open)", metadata: ["error": "\(error)"])
        }
    }

    private func run(_ command: [String], reboot: Bool) {
        let first = commandRuns.withLockedValue { runs -> Bool in
            defer { runs += 1 }
            return runs == 0
        }
        precondition(first, "the supervisor asks for the shutdown command once")
        let key = reboot ? "power.reboot_command" : "power.shutdown_command"
        guard let executable = command.first else {
            service.logger.critical("no \(key) configured: the appliance is safe to lose power now")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        do {
            try process.run()
            process.waitUntilExit()
            service.logger.critical("\(key) ran", metadata: ["command": "\(command.joined(separator: " "))", "status": "\(process.terminationStatus)"])
        } catch {
            service.logger.critical("\(key) could not start", metadata: ["command": "\(executable)", "error": "\(error)"])
        }
    }
}
