import Foundation
import Randomness
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol

/// The local alert hook: a command run for each alert-worthy event with the alert in its
/// environment, for venues without central.
@Suite("Alert hook", .timeLimit(.minutes(2)))
struct AlertTests {
    @Test("a nearly full disk and a staged shutdown each run the hook with category, message and appliance")
    func hookRuns() async throws {
        let hook = try AlertHookScript()
        // disk.low must fire at start whatever disk this machine has. Where a tmpfs can be mounted
        // (root), the data directory is one of 8 MiB, far below the default 256 MiB threshold.
        // Elsewhere the highest threshold the configuration takes, a million MiB: a disk with more
        // free than that cannot raise the alert, and the check is reported as not run.
        let tmpfs = SmallDisk.canMount
        let daemon = try DaemonFixture(extraConfig: "alerts: { command: \(hook.path)\(tmpfs ? "" : ", disk_free_minimum_mib: 1000000") }\n")
        let smallDisk: SmallDisk? = try tmpfs ? SmallDisk(at: daemon.dataDirectory, megabytes: 8) : nil
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: daemon.directory.path)
        let freeMiB = ((attributes?[.systemFreeSize] as? NSNumber)?.int64Value ?? 0) / 1_048_576
        _ = try await daemon.start()
        defer { daemon.terminateInBackground() }

        if tmpfs || freeMiB < 1_000_000 {
            let disk = try await hook.first("disk.low")
            #expect(disk?.hasPrefix("disk.low|K111|") == true && disk?.contains("MiB free") == true, "\(disk ?? "no disk.low alert")")
        } else {
            withKnownIssue("disk.low not checked: \(freeMiB) MiB free, above the largest threshold, and no tmpfs without root") {
                Issue.record("this disk cannot be made to look nearly full")
            }
        }

        try "ac=lost\nlow=yes\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        let shutdown = try await hook.first("power.shutting_down")
        #expect(shutdown?.contains("low battery") == true, "\(shutdown ?? "no power.shutting_down alert")")
        withExtendedLifetime(smallDisk) {}
    }

    @Test("refused terminal requests are journaled once per window, and a burst of them raises an alert")
    func authFailures() async throws {
        let hook = try AlertHookScript()
        let daemon = try DaemonFixture(extraConfig: "alerts: { command: \(hook.path), auth_window_seconds: 3, auth_failures_per_window: 5 }\n")
        let port = try await daemon.start()
        var running = true
        defer { if running { daemon.terminateInBackground() } }
        var random = SystemRandom()
        let stranger = TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "load-kiosk",
                                      secret: TerminalSecret.generate(using: &random), timeout: .seconds(30))

        // Two refusals: journaled, below the burst, no alert. (Only auth alerts count: a machine
        // with less than 256 MiB free raises disk.low beside them. Load only lengthens the wait,
        // and cannot make two refusals an alert.)
        for _ in 0..<2 { #expect(try await stranger.send(.GET, "/v1/appliance").status == 401) }
        try await Task.sleep(for: .milliseconds(3_500))
        #expect(!hook.lines.contains { $0.hasPrefix("auth.") }, "no alert below the burst: \(hook.lines)")

        // At once rather than one after another, so a sanitizer's slowdown spreads them out less.
        // Five in one window raise the alert, so thirty raise it unless the daemon takes them in
        // over seven 3 s windows (15 s or more); twelve, as before, allowed only two (under 3 s).
        let burst = 30
        let burstStarted = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<burst { group.addTask { try await stranger.send(.GET, "/v1/appliance").status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let burstTook = ContinuousClock.now - burstStarted
        #expect(statuses == Array(repeating: 401, count: burst))
        let alert = try await hook.first("auth.failed_burst")
        #expect(alert?.contains("unknown terminal or bad signature") == true && alert?.contains("'load-kiosk'") == true,
                "\(alert ?? "no auth.failed_burst alert")")
        let metrics = String(decoding: try await stranger.send(.GET, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("holdfast_auth_failures_total{reason=\"badSignature\"} \(2 + burst)"),
                "\(metrics.split(separator: "\n").filter { $0.contains("auth") })")

        #expect(await daemon.terminate() == 0)
        running = false
        let journal = try await daemon.openJournal()
        let text = try await journal.records(after: 0, limit: 10_000).map { String(decoding: $0.payload, as: UTF8.self) }
        await journal.close()
        // The first two may straddle a window boundary: one summary of 2, or two of 1.
        #expect(text.contains { $0.contains("\"auth.failed\"") && $0.contains("terminal requests refused") }, "the first window's summary")
        // One summary per window the refusals fell in: two for the first two at most, and as many
        // as the burst spanned (more than one under a sanitizer's slowdown), never one per request.
        let windows = 2 + Int(burstTook.components.seconds) / 3 + 2
        let summaries = text.filter { $0.contains("\"auth.failed\"") }.count
        #expect(summaries <= windows && summaries < 2 + burst, "\(summaries) summaries for \(2 + burst) refusals in at most \(windows) windows")
    }
}
