import Foundation
import Journal
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

/// The power path end to end with the simulated source: the file changes, the supervisor decides,
/// intake and the API follow, and the shutdown command runs once.
@Suite("Power: a cut seen through the API", .serialized, .timeLimit(.minutes(3)))
struct PowerAPITests {
    @Test("on battery keeps taking bets; low battery closes intake; mains back resumes; the final delay runs the command once")
    func powerCut() async throws {
        let scratch = try TemporaryDirectory()
        let marker = try Self.shutdownScript(in: scratch)
        // Mains must come back inside the final delay: between seeing shutting_down and the source
        // reading ac=present the test makes two HTTP round trips and writes a file. 15 s, where
        // that takes milliseconds unloaded and a few seconds at worst in ThreadSanitizer beside CPU hogs.
        let appliance = try await RunningAppliance.start(power: """
            on_battery_alert_seconds: 0
            final_delay_seconds: 15
            shutdown_command: /bin/sh \(scratch.path)/shutdown.sh
            """)
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        let stateFile = appliance.directory.path + "/power.state"

        func waitFor(_ wanted: String) async throws { try await Self.waitForMode(wanted, kiosk) }
        func bet() async throws -> Result<TicketView, Problem> { try await kiosk.place(Slips.single("r1-a", on: board, stake: 100)) }

        try await waitFor("offline") // mains, no uplink configured
        try "ac=lost\ncharge=80\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("on_battery")
        #expect((try? await bet().get()) != nil, "bets are taken on battery")
        let onBattery = try await kiosk.send(.GET, "/v1/appliance").decode(ApplianceStateView.self).power
        #expect(onBattery == PowerView(source: "simulated", state: "on_battery", sourceStale: false))

        try "ac=lost\nlow=yes\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("shutting_down")
        guard case .failure(let refused) = try await bet() else { Issue.record("a bet was taken while shutting down"); return }
        #expect(refused.kind == .intakeClosedPower && refused.detail.contains("low battery"))

        try "ac=present\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("offline")
        #expect((try? await bet().get()) != nil, "mains back before the final delay reopened intake")

        try "ac=lost\nlow=yes\n".write(toFile: stateFile, atomically: true, encoding: .utf8)
        try await waitFor("shutting_down")
        try await Self.expectRanOnce(marker)
        #expect(appliance.power?.shutdownCommandRuns == 1)

        let records = try await appliance.service.journal.records(after: 0, limit: 1_000)
        let categories = try records.filter { $0.kind == "appliance.event" }
            .map { try JSONDecoder().decode(SignificantEvent.self, from: Data($0.payload)).category }
        for expected in ["power.mains", "power.on_battery", "power.shutting_down", "power.resumed", "power.shutdown_command"] {
            #expect(categories.contains(expected), "no \(expected) event journaled")
        }
        await appliance.stop()
    }

    @Test("with a real upsd and dummy-ups: OB keeps taking bets, OB LB closes intake, the command runs once")
    func nutPowerCut() async throws {
        let server = try NUTServer()
        defer { server.stopAll() }
        try await server.startDriver(readyWithin: .seconds(60))
        try server.startUpsd()
        let scratch = try TemporaryDirectory()
        let marker = try Self.shutdownScript(in: scratch)
        let appliance = try await RunningAppliance.start(power: """
            source: nut
            nut_port: \(server.port)
            nut_ups: \(server.ups)
            nut_username: monitor
            nut_password: monpass
            nut_poll_milliseconds: 100
            on_battery_alert_seconds: 0
            final_delay_seconds: 1
            shutdown_command: /bin/sh \(scratch.path)/shutdown.sh
            """)
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        try await Self.waitForMode("offline", kiosk)
        try server.set(status: "OB DISCHRG", charge: 80, runtime: 900)
        try await Self.waitForMode("on_battery", kiosk)
        #expect((try? await kiosk.place(Slips.single("r2-a", on: board, stake: 100)).get()) != nil)
        try server.set(status: "OB LB", charge: 5, runtime: 30)
        try await Self.waitForMode("shutting_down", kiosk)
        guard case .failure(let refused) = try await kiosk.place(Slips.single("r2-a", on: board, stake: 100)) else {
            Issue.record("a bet was taken on a low UPS battery"); return
        }
        #expect(refused.kind == .intakeClosedPower)
        try await Self.expectRanOnce(marker)
        await appliance.stop()
    }

    static func waitForMode(_ wanted: String, _ kiosk: TerminalClient) async throws {
        func mode() async throws -> String { try await kiosk.send(.GET, "/v1/appliance").decode(ApplianceStateView.self).mode }
        // Generous: under a sanitizer (scripts/sanitize) beside CPU hogs every step is many times
        // slower, and upsd shows a NUT change only after its driver's next one-second poll.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try await mode() != wanted { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await mode() == wanted)
    }

    /// A shutdown command that appends a line to a marker file; returns the marker's path.
    static func shutdownScript(in directory: TemporaryDirectory) throws -> String {
        let marker = directory.path + "/shutdown-ran"
        try "#!/bin/sh\necho ran >> \(marker)\n".write(toFile: directory.path + "/shutdown.sh", atomically: true, encoding: .utf8)
        return marker
    }

    static func expectRanOnce(_ marker: String) async throws {
        // The line, not just the file: the shell creates the file before echo writes to it.
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? String(contentsOfFile: marker, encoding: .utf8))?.isEmpty ?? true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        // A second run would follow the first: a negative check, which load can only make miss a
        // late second run, never invent one.
        try await Task.sleep(for: .seconds(1))
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "ran\n", "the shutdown command runs exactly once")
    }
}
