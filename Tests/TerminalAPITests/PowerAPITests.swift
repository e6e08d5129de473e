import Foundation
import Journal
import Testing
import TerminalClient
import TerminalProtocol
import Wagering

/// The power path end to end with the simulated source: the file changes, the supervisor decides,
/// intake and the API follow, and the shutdown command runs once.
@Suite("Power: a cut seen through the API", .timeLimit(.minutes(1)))
struct PowerAPITests {
    @Test("on battery keeps taking bets; low battery closes intake; mains back resumes; the final delay runs the command once")
    func powerCut() async throws {
        let scratch = try TemporaryDirectory()
        let marker = scratch.path + "/shutdown-ran"
        try "#!/bin/sh\necho ran >> \(marker)\n".write(toFile: scratch.path + "/shutdown.sh", atomically: true, encoding: .utf8)
        let appliance = try await RunningAppliance.start(power: """
            on_battery_alert_seconds: 0
            final_delay_seconds: 1
            shutdown_command: /bin/sh \(scratch.path)/shutdown.sh
            """)
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        let stateFile = appliance.directory.path + "/power.state"

        func mode() async throws -> String { try await kiosk.send(.GET, "/v1/appliance").decode(ApplianceStateView.self).mode }
        func waitFor(_ wanted: String) async throws {
            for _ in 0..<200 where try await mode() != wanted { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await mode() == wanted)
        }
        func bet() async throws -> Result<TicketView, Problem> { try await kiosk.place(Slips.single("r1-a", on: board, stake: 100)) }

        try await waitFor("offline") // mains, no uplink configured
        try "ac=lost\ncharge=80\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("on_battery")
        #expect((try? await bet().get()) != nil, "bets are taken on battery")

        try "ac=lost\nlow=yes\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("shutting_down")
        guard case .failure(let refused) = try await bet() else { Issue.record("a bet was taken while shutting down"); return }
        #expect(refused.kind == .intakeClosedPower && refused.detail.contains("low battery"))

        try "ac=present\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("offline")
        #expect((try? await bet().get()) != nil, "mains back before the final delay reopened intake")

        try "ac=lost\nlow=yes\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("shutting_down")
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "ran\n", "the shutdown command runs exactly once")
        #expect(appliance.power?.shutdownCommandRuns == 1)

        let records = try await appliance.service.journal.records(after: 0, limit: 1_000)
        let categories = try records.filter { $0.kind == "appliance.event" }
            .map { try JSONDecoder().decode(SignificantEvent.self, from: Data($0.payload)).category }
        for expected in ["power.mains", "power.on_battery", "power.shutting_down", "power.resumed", "power.shutdown_command"] {
            #expect(categories.contains(expected), "no \(expected) event journaled")
        }
        await appliance.stop()
    }
}
