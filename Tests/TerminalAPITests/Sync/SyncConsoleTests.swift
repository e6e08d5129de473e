import Foundation
import Testing
import TestSupport

extension SyncSuites {
    @Suite("The technician's view of the uplink", .timeLimit(.minutes(2)))
    struct SyncConsoleTests {
        @Test("uplink, status, limits and sync now over the console, with central away and back")
        func uplinkCommands() async throws {
            let central = try CentralFixture()
            try await central.start()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\n" + console)
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            _ = try await Convergence.wait(daemon: client, central: central)

            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            let away = try await TechnicianConsole.session(daemon, ["uplink", "status", "limits", "sync now"])
            #expect(away.contains("state        offline since"), "\(away)")
            #expect(away.contains("(in use)") && away.contains("https://127.0.0.1:\(central.port)"), "\(away)")
            #expect(away.contains("uplink offline"), "the status screen's alerts name it: \(away)")
            #expect(away.contains("offline max stake") && away.contains("offline bets queued"), "\(away)")
            #expect(away.contains("central has not caught up within 10 s"), "\(away)")

            try await central.start()
            // Back online first: `sync now` gives central 10 s (its own bound, in Sources) to take
            // the records, which should not also pay for the reconnect on a loaded machine.
            _ = try await Offline.waitForState("online", client)
            let back = try await TechnicianConsole.session(daemon, ["sync now", "uplink --json", "status", "uplink"])
            #expect(back.contains("central holds every record up to seq"), "\(back)")
            #expect(back.contains(#""state":"online""#), "\(back)")
            // Same machine, same clock: the drift measured against central is within a second (its
            // error is at most half a round trip, and the 1 s request timeout bounds that).
            #expect(back.contains("drift from central +0.") || back.contains("drift from central -0."), "\(back)")
            #expect(back.contains("clock drift  +0.") || back.contains("clock drift  -0."), "\(back)")
        }
    }
}
