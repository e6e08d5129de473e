public import Appliance
public import Journal
public import Logging
import NIOConcurrencyHelpers

/// What console sessions work with: the running appliance, its power controller, the clock, and
/// the login throttle, shared by every session so a hang-up does not reset a lockout.
public final class ConsoleContext: Sendable {
    public let service: ApplianceService
    public let power: PowerController
    public let backups: BackupScheduler
    public let diskFull: DiskFullDrill
    public let configurationPath: String
    public let logRing: LogRing?
    public let clock: any JournalClock
    public let logger: Logger
    let throttle: NIOLockedValueBox<LoginThrottle>
    let startedMillis: Int64

    public init(service: ApplianceService, power: PowerController, backups: BackupScheduler, diskFull: DiskFullDrill,
                configurationPath: String, logRing: LogRing?, clock: any JournalClock, logger: Logger) {
        self.service = service
        self.power = power
        self.backups = backups
        self.diskFull = diskFull
        self.configurationPath = configurationPath
        self.logRing = logRing
        self.clock = clock
        self.logger = logger
        let settings = service.configuration.console
        throttle = NIOLockedValueBox(LoginThrottle(allowedFailures: settings.failuresBeforeLockout,
                                       baseDelayMillis: Int64(settings.lockoutSeconds) * 1_000,
                                       maximumDelayMillis: max(Int64(settings.lockoutSeconds) * 1_000, 900_000)))
        startedMillis = clock.wallMillis()
    }

    /// A significant event in the journal (logins, failures, commands); never throws at the caller.
    func record(_ category: String, _ message: String) async {
        await service.recordEvent(category, message)
    }
}
