import Foundation
import Testing
import TestSupport

/// A technician's session over the console socket, scripted.
enum TechnicianConsole {
    /// Logs in with `holdfast console` over the console socket, runs `commands`, logs out;
    /// answers everything shown, and records an issue if the CLI did not exit cleanly.
    static func session(_ daemon: DaemonFixture, _ commands: [String], login: (name: String, pin: String) = ("tech", "4321")) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.path(of: "holdfast"))
        process.arguments = ["console", "--socket", daemon.dataDirectory + "/console.sock"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(([login.name, login.pin] + commands + ["logout"]).joined(separator: "\n").utf8 + [0x0A]))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "holdfast console exited \(process.terminationStatus): \(text)")
        return text
    }
}
