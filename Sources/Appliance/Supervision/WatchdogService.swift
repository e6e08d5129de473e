import Journal
public import Logging
public import ServiceLifecycle

/// Pets systemd's watchdog while holdfastd is healthy, and only then: each beat the journal's
/// writer must answer within half the watchdog interval (a stuck writer means no bet can be
/// acknowledged), and the beat itself runs on the daemon's executor (a stalled event loop never
/// gets to it). When either fails, systemd sees no `WATCHDOG=1` and restarts the daemon
/// (`WatchdogSec` in firmware-config/systemd/holdfastd.service). Also sends STATUS lines and
/// `STOPPING=1` when a graceful shutdown begins.
public struct WatchdogService: Service {
    private let notifier: SystemdNotifier
    private let service: ApplianceService
    private let logger: Logger

    public init(notifier: SystemdNotifier, service: ApplianceService, logger: Logger) {
        self.notifier = notifier
        self.service = service
        self.logger = logger
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            guard let interval = notifier.watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            let beat = interval / 2
            var healthy = true
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let problem = await healthProblem(within: beat)
                if let problem {
                    if healthy { logger.critical("not petting the watchdog: systemd will restart holdfastd", metadata: ["problem": "\(problem)"]) }
                    notifier.notify(["STATUS": "unhealthy: \(problem)"])
                } else {
                    let state = await service.state()
                    notifier.notify(["WATCHDOG": "1", "STATUS": "\(state.mode), intake \(state.intakeOpen ? "open" : "closed"), \(state.openTickets) open tickets"])
                }
                healthy = problem == nil
                try? await Task.sleep(for: beat)
            }
        } onGracefulShutdown: {
            notifier.notify(["STOPPING": "1", "STATUS": "stopping: intake closed, finishing in-flight bets"])
        }
    }

    /// Nil when the journal's writer answered within `bound`; else what is wrong.
    private func healthProblem(within bound: Duration) async -> String? {
        let journal = service.journal
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do { _ = try await journal.writerSynchronousMode() } catch { return "the journal writer fails: \(error)" }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: bound)
                return Task.isCancelled ? nil : "the journal writer did not answer within \(bound)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
