public import Journal
import Logging
import Metrics
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// Takes a backup every `backup.every_hours` (the first one that long after start), and is what
/// the console's `backup now` calls. Every outcome is logged, journaled and counted.
public final class BackupScheduler: Service, Sendable {
    private let service: ApplianceService
    private let clock: any JournalClock
    private let successes = Counter(label: "holdfast_backups_total", dimensions: [("outcome", "ok")])
    private let failures = Counter(label: "holdfast_backups_total", dimensions: [("outcome", "failed")])
    private let lastHeadSeq = Gauge(label: "holdfast_backup_last_head_seq")
    /// One backup at a time: two would share a directory name within the same second, and each
    /// removes the `.partial` copies it finds as abandoned.
    private let running = NIOLockedValueBox(false)

    public init(service: ApplianceService, clock: any JournalClock) {
        self.service = service
        self.clock = clock
    }

    public func run() async throws {
        let settings = service.configuration.backup
        guard settings.directory != nil, settings.everyHours > 0 else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(settings.everyHours * 3_600))
                if Task.isCancelled { break }
                _ = await self.backupNow(by: "schedule")
            }
        }
    }

    /// Backs up now; the report, or why not.
    public func backupNow(by who: String, progress: (@Sendable (Double) -> Void)? = nil) async -> Result<BackupReport, BackupError> {
        let settings = service.configuration.backup
        guard let directory = settings.directory else {
            return .failure(.cannotWrite(path: "(none)", reason: "no backup.directory is configured"))
        }
        guard running.withLockedValue({ running in defer { running = true }; return !running }) else {
            service.logger.warning("backup not started: another is running", metadata: ["by": "\(who)"])
            return .failure(.alreadyRunning)
        }
        defer { running.withLockedValue { $0 = false } }
        do {
            let report = try await service.journal.backup(into: directory, keep: settings.keep, nowMillis: clock.wallMillis(), progress: progress)
            successes.increment()
            lastHeadSeq.record(report.headSeq)
            await service.recordEvent("backup.done", "backup by \(who) to \(report.path): up to seq \(report.headSeq), \(report.bytes / 1_024) KiB, verified"
                         + (report.removed.isEmpty ? "" : "; removed \(report.removed.count) old"))
            return .success(report)
        } catch {
            failures.increment()
            service.logger.error("backup failed", metadata: ["by": "\(who)", "error": "\(error)"])
            await service.recordEvent("backup.failed", "backup by \(who) failed: \(error)")
            return .failure(error)
        }
    }
}
