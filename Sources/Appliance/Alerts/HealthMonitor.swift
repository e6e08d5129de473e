import Foundation
public import Journal
public import ServiceLifecycle

/// Watches what no request would notice: the data disk filling up, the wall clock jumping (an RTC
/// that lost its time, NTP stepping) and drifting from central's. Each is raised once when it
/// starts and once when it clears, at start and then every `interval`. The journal's writes are
/// watched more closely (``JournalWriteAlarm``), every `journalInterval`: a journal that cannot
/// write refuses every bet.
public struct HealthMonitor: Service {
    private let service: ApplianceService
    private let clock: any JournalClock
    private let interval: Duration
    private let journalInterval: Duration

    public init(service: ApplianceService, clock: any JournalClock, interval: Duration = .seconds(30),
                journalInterval: Duration = .milliseconds(500)) {
        self.service = service
        self.clock = clock
        self.interval = interval
        self.journalInterval = journalInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await watchDiskAndClock() }
                group.addTask {
                    while !Task.isCancelled {
                        await service.journalWriteAlarm.check(service, probeInterval: interval)
                        try? await Task.sleep(for: journalInterval)
                    }
                }
                group.addTask { await summarizeAuthFailures() }
            }
        }
    }

    /// One journal record per window with refusals in it, whatever their number.
    private func summarizeAuthFailures() async {
        let settings = service.configuration.alerts
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(settings.authWindowSeconds))
            guard let window = service.authFailures.closeWindow() else { continue }
            let burst = window.total >= settings.authFailuresPerWindow
            await service.recordEvent(burst ? "auth.failed_burst" : "auth.failed", "in \(settings.authWindowSeconds) s: \(window.summary)",
                                      level: burst ? .warning : .notice)
        }
    }

    private func watchDiskAndClock() async {
        let settings = service.configuration.alerts
        var diskLow = false
        var drifting = false
        var last = (wall: clock.wallMillis(), mono: clock.monotonicNanos())
        while !Task.isCancelled {
            if let free = service.dataDiskFreeMiB() {
                let low = free < Int64(settings.diskFreeMinimumMiB)
                if low != diskLow {
                    diskLow = low
                    await service.recordEvent(low ? "disk.low" : "disk.ok",
                                              "\(free) MiB free in \(service.configuration.dataDirectory) (alert below \(settings.diskFreeMinimumMiB) MiB)",
                                              level: low ? .warning : .notice)
                }
            }
            let now = (wall: clock.wallMillis(), mono: clock.monotonicNanos())
            let drift = (now.wall - last.wall) - (now.mono - last.mono) / 1_000_000
            if abs(drift) > Int64(settings.clockJumpSeconds) * 1_000 {
                await service.recordEvent("clock.jumped", "the wall clock moved \(drift / 1_000) s against the monotonic clock", level: .warning)
            }
            last = now
            if let drift = service.uplink?.connectivity.clockDriftMillis {
                let beyond = abs(drift) > Int64(settings.clockJumpSeconds) * 1_000
                if beyond != drifting {
                    drifting = beyond
                    await service.recordEvent(beyond ? "clock.drift" : "clock.in_step",
                                              "this clock is \(drift) ms off central's (alert beyond \(settings.clockJumpSeconds) s)",
                                              level: beyond ? .warning : .notice)
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}

extension ApplianceService {
    /// Free space on the data directory's file system, in MiB; nil when it cannot be read.
    public func dataDiskFreeMiB() -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: configuration.dataDirectory),
              let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value else { return nil }
        return free / 1_048_576
    }
}
