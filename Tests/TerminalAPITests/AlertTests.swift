import Foundation
import Testing
import TestSupport

/// The local alert hook: a command run for each alert-worthy event with the alert in its
/// environment, for venues without central.
@Suite("Alert hook", .timeLimit(.minutes(1)))
struct AlertTests {
    @Test("a nearly full disk and a staged shutdown each run the hook with category, message and appliance")
    func hookRuns() async throws {
        let scratch = try TemporaryDirectory()
        let log = scratch.path + "/alerts.log"
        let hook = scratch.path + "/alert.sh"
        try "#!/bin/sh\necho \"$HOLDFAST_ALERT_CATEGORY|$HOLDFAST_APPLIANCE|$HOLDFAST_ALERT_MESSAGE\" >> \(log)\n"
            .write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
        // Any real disk has less than a million MiB free: the alert fires at start.
        let daemon = try DaemonFixture(extraConfig: "alerts: { command: \(hook), disk_free_minimum_mib: 1000000 }\n")
        _ = try daemon.start()
        defer { _ = daemon.terminate() }

        func logged(_ category: String) async throws -> String? {
            for _ in 0..<100 {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(category + "|") }) { return String(line) }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }
        let disk = try await logged("disk.low")
        #expect(disk?.hasPrefix("disk.low|K111|") == true && disk?.contains("MiB free") == true, "\(disk ?? "no disk.low alert")")

        try "ac=lost\nlow=yes\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        let shutdown = try await logged("power.shutting_down")
        #expect(shutdown?.contains("low battery") == true, "\(shutdown ?? "no power.shutting_down alert")")
    }
}
