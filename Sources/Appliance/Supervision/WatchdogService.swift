import Journal
public import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle
import Synchronization

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
    /// The writer check still outstanding, if any (the service is a struct; this is its one piece of state).
    private let pendingCheck = NIOLockedValueBox<WriterCheck?>(nil)

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
                    // Only what can be read without the writer: a status must not wait on it.
                    let intake = service.intake.closedReason.map { "intake closed: \($0)" } ?? "taking bets"
                    notifier.notify(["WATCHDOG": "1", "STATUS": intake])
                }
                healthy = problem == nil
                try? await Task.sleep(for: beat)
            }
        } onGracefulShutdown: {
            notifier.notify(["STOPPING": "1", "STATUS": "stopping: intake closed, finishing in-flight bets"])
        }
    }

    /// Nil when the journal's writer answered within `bound`; else what is wrong. The question is
    /// asked in a task of its own that is not awaited past the bound (a stuck writer must not stall
    /// the watchdog too), and never asked twice at once.
    private func healthProblem(within bound: Duration) async -> String? {
        let previous = pendingCheck.withLockedValue { $0 }
        if let previous, !previous.answered.load(ordering: .acquiring) {
            return "the journal writer has not answered for more than \(bound)"
        }
        let check = WriterCheck()
        pendingCheck.withLockedValue { $0 = check }
        let journal = service.journal
        Task {
            do { _ = try await journal.writerSynchronousMode() } catch { check.failure.withLockedValue { $0 = "\(error)" } }
            check.answered.store(true, ordering: .releasing)
        }
        let deadline = ContinuousClock.now + bound
        while !check.answered.load(ordering: .acquiring) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        guard check.answered.load(ordering: .acquiring) else { return "the journal writer did not answer within \(bound)" }
        return check.failure.withLockedValue { $0 }.map { "the journal writer fails: \($0)" }
    }
}

/// One question to the journal writer, shared with the task that asks it.
private final class WriterCheck: Sendable {
    let answered = Atomic<Bool>(false)
    let failure = NIOLockedValueBox<String?>(nil)
}
