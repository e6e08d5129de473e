import Appliance
import Foundation
import Testing
import TestSupport

/// `holdfast power status|watch` against a running holdfastd, over its control socket.
@Suite("holdfast power status and watch", .timeLimit(.minutes(2)))
struct PowerCLITests {
    @Test("status reads the daemon's power state; watch prints each change as the UPS goes on battery and low")
    func statusAndWatch() throws {
        let daemon = try DaemonFixture()
        _ = try daemon.start()
        defer { _ = daemon.terminate() }
        let holdfast = try BuiltProducts.path(of: "holdfast")
        let config = daemon.directory.path + "/holdfast.yaml"

        let first = try JSONDecoder().decode(PowerStatus.self, from: Data(try run(holdfast, ["power", "status", "--config", config, "--json"]).utf8))
        #expect(first.source == "simulated" && first.state == "mains" && first.acPresent == true && first.intakeOpen)

        let watch = try LineReadingChild(executable: holdfast, arguments: ["power", "watch", "--config", config, "--changes", "3", "--interval-ms", "50"])
        #expect(watch.nextLine()?.contains("mains=present") == true)
        try "ac=lost\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        let onBattery = watch.nextLine() ?? ""
        #expect(onBattery.contains("on_battery") && onBattery.contains("mains=lost") && onBattery.contains("intake=open"), "\(onBattery)")
        try "ac=lost\nlow=yes\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        let low = watch.nextLine() ?? ""
        #expect(low.contains("shutting_down") && low.contains("low=yes") && low.contains("intake=closed"), "\(low)")
        watch.process.waitUntilExit()
        #expect(watch.process.terminationStatus == 0)

        let text = try run(holdfast, ["power", "status", "--config", config])
        #expect(text.contains("the UPS reports low battery"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "fits an 80-column console")
    }

    @Test("status names the socket and what to check when no daemon answers")
    func noDaemon() throws {
        let daemon = try DaemonFixture()
        let holdfast = try BuiltProducts.path(of: "holdfast")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: holdfast)
        process.arguments = ["power", "status", "--config", daemon.directory.path + "/holdfast.yaml"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(message.contains("control.sock") && message.contains("is holdfastd running"), "\(message)")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ChildProcessError("holdfast \(arguments.joined(separator: " ")) failed: \(text)") }
        return text
    }
}
