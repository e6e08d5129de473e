import Foundation
import Testing
import TestSupport

/// `holdfast drill` against a running holdfastd: each scenario prints expected beside observed
/// and succeeds only when everything happened as it should.
@Suite("holdfast drill scenarios", .timeLimit(.minutes(2)))
struct DrillTests {
    @Test("power-loss, low-battery and corrupt-backup all go as expected", arguments: ["power-loss", "low-battery", "corrupt-backup"])
    func scenario(name: String) throws {
        let stick = try TemporaryDirectory()
        let daemon = try DaemonFixture(power: "{ source: simulated, final_delay_seconds: 1, shutdown_command: /bin/false }",
                                       extraConfig: "backup: { directory: \(stick.path), every_hours: 0 }\n")
        _ = try daemon.start()
        defer { _ = daemon.terminate() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.path(of: "holdfast"))
        process.arguments = ["drill", name, "--config", daemon.directory.path + "/holdfast.yaml"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let result = text.split(separator: "\n").last ?? ""
        #expect(result.hasPrefix("result: ") && !text.contains("FAIL"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)")
    }
}
