import Foundation
import Testing
import TestSupport

/// The shipped unit file is one systemd accepts: `systemd-analyze verify` with the built daemon
/// standing in for /usr/bin/holdfastd.
@Suite("firmware-config/systemd/holdfastd.service")
struct SystemdUnitTests {
    @Test("systemd-analyze verify finds nothing wrong, and the unit is Type=notify with a watchdog")
    func verify() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let unit = try String(contentsOfFile: repository + "/firmware-config/systemd/holdfastd.service", encoding: .utf8)
        #expect(unit.contains("Type=notify") && unit.contains("WatchdogSec=") && unit.contains("NoNewPrivileges=yes"))
        let directory = try TemporaryDirectory()
        let copy = directory.path + "/holdfastd.service"
        try unit.replacingOccurrences(of: "/usr/bin/holdfastd", with: try BuiltProducts.path(of: "holdfastd"))
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let verified = try await runToCompletion("/usr/bin/systemd-analyze", ["verify", copy])
        let text = verified.output + verified.errors
        #expect(verified.status == 0 && text.isEmpty, "systemd-analyze verify: \(text)")
    }
}
