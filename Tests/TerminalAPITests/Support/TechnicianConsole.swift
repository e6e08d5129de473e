import Foundation
import Testing
import TestSupport

/// A technician's session over the console socket, scripted.
enum TechnicianConsole {
    /// Logs in with `holdfast console` over the console socket, runs `commands`, logs out;
    /// answers everything shown, and records an issue if the CLI did not exit cleanly.
    static func session(_ daemon: DaemonFixture, _ commands: [String], login: (name: String, pin: String) = ("tech", "4321")) async throws -> String {
        let script = ([login.name, login.pin] + commands + ["logout"]).joined(separator: "\n") + "\n"
        let session = try await runToCompletion(try BuiltProducts.path(of: "holdfast"),
                                                ["console", "--socket", daemon.dataDirectory + "/console.sock"], input: script)
        #expect(session.status == 0, "holdfast console exited \(session.status): \(session.output)\(session.errors)")
        return session.output
    }
}
