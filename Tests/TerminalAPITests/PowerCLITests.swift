import Appliance
import Foundation
import Testing
import TestSupport

/// `holdfast power status|watch` against a running holdfastd, over its control socket.
@Suite("holdfast power status and watch", .timeLimit(.minutes(2)))
struct PowerCLITests {
    @Test("status reads the daemon's power state; watch prints each change as the UPS goes on battery and low")
    func statusAndWatch() async throws {
        // The watch must see shutting_down before the final delay ends it (powering_off): 60 s
        // rather than the default 5, for a watch polling from a ThreadSanitizer build beside CPU hogs.
        let daemon = try DaemonFixture(power: "{ source: simulated, final_delay_seconds: 60 }")
        _ = try await daemon.start()
        defer { daemon.terminateInBackground() }
        let holdfast = try BuiltProducts.path(of: "holdfast")
        let config = daemon.directory.path + "/holdfast.yaml"

        let first = try JSONDecoder().decode(PowerStatus.self, from: Data(try await run(holdfast, ["power", "status", "--config", config, "--json"]).utf8))
        #expect(first.source == "simulated" && first.state == "mains" && first.acPresent == true && first.intakeOpen)

        let watch = try LineReadingChild(executable: holdfast, arguments: ["power", "watch", "--config", config, "--changes", "3", "--interval-ms", "50"])
        #expect(await watch.nextLine()?.contains("mains=present") == true)
        try "ac=lost\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        let onBattery = await watch.nextLine() ?? ""
        #expect(onBattery.contains("on_battery") && onBattery.contains("mains=lost") && onBattery.contains("intake=open"), "\(onBattery)")
        try "ac=lost\nlow=yes\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        let low = await watch.nextLine() ?? ""
        #expect(low.contains("shutting_down") && low.contains("low=yes") && low.contains("intake=closed"), "\(low)")
        #expect(await watch.exitStatus() == 0)

        let text = try await run(holdfast, ["power", "status", "--config", config])
        #expect(text.contains("the UPS reports low battery"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "fits an 80-column console")
    }

    @Test("status names the socket and what to check when no daemon answers")
    func noDaemon() async throws {
        let daemon = try DaemonFixture()
        let holdfast = try BuiltProducts.path(of: "holdfast")
        let run = try await runToCompletion(holdfast, ["power", "status", "--config", daemon.directory.path + "/holdfast.yaml"])
        #expect(run.status != 0)
        #expect(run.errors.contains("control.sock") && run.errors.contains("is holdfastd running"), "\(run.errors)")
    }

    private func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let run = try await runToCompletion(executable, arguments)
        guard run.status == 0 else {
            throw ChildProcessError("holdfast \(arguments.joined(separator: " ")) failed: \(run.output)\(run.errors)")
        }
        return run.output
    }
}
